"""Saves a pyfunc model that only Python can score, and its predictions.

Usage: python pyfunc_model.py OUT_DIR. Writes OUT_DIR/model (an MLflow model
directory: an mlflow.pyfunc.PythonModel, pickled by value, that no native
adapter of Weir reads) and OUT_DIR/expected.json: {"columns", "rows",
"predictions"}, the predictions of the model loaded back with
mlflow.pyfunc.load_model, which an image of the model must answer.
"""
import json
import os
import sys

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import infer_signature


class Scorecard(mlflow.pyfunc.PythonModel):
    """A hand-written scorecard: a weighted sum of the numeric columns plus
    a bonus per known job, squashed by a logistic function."""

    def __init__(self):
        self.weights = {"age": -0.031, "balance": 0.00042}
        self.jobs = {"student": 0.8, "manager": -0.35}

    def predict(self, context, model_input, params=None):
        z = sum(w * model_input[c].astype(float) for c, w in self.weights.items())
        z = z + model_input["job"].map(self.jobs).fillna(0.0)
        return (1.0 / (1.0 + np.exp(-z))).to_numpy()


def main():
    out = sys.argv[1]
    rows = [[25, "student", 100.5], [47, "manager", 2500.0], [62, "worker", -40.25],
            [33, "unknown", 0.0], [51, "manager", 1e5]]
    df = pd.DataFrame(rows, columns=["age", "job", "balance"])
    df["age"] = df["age"].astype("int64")
    model = Scorecard()
    sig = infer_signature(df, model.predict(None, df))
    path = os.path.join(out, "model")
    mlflow.pyfunc.save_model(path, python_model=model, signature=sig, input_example=df.head(2))
    got = mlflow.pyfunc.load_model(path).predict(df)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"columns": list(df.columns), "rows": rows, "predictions": [float(v) for v in got]}, f)


if __name__ == "__main__":
    main()
