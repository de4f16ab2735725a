"""Saves the pyfunc models pyworker's tests serve, and MLflow's own answers.

Usage: python save_models.py OUT_DIR. Writes OUT_DIR/<model>/ (an MLflow model
directory) and OUT_DIR/<model>.json: {"rows": [...], "answer": "..."}, where
answer is the body MLflow's scoring server writes for predict on those rows.
"""
import io
import json
import math
import os
import subprocess
import sys
import time

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from mlflow.pyfunc.scoring_server import predictions_to_json


class Frame(mlflow.pyfunc.PythonModel):
    """Two columns per row; prints to stdout, as careless models do."""

    def predict(self, context, model_input, params=None):
        print("predicting", len(model_input))
        return pd.DataFrame({
            "doubled": model_input["x"] * 2,
            "tag": [f"{s}:{n}" for s, n in zip(model_input["s"], model_input["n"])],
        })


class Strings(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return ["big" if x > 1 else "small" for x in model_input["x"]]


class Behave(mlflow.pyfunc.PythonModel):
    """x < 0 raises; x == 999 sleeps 60 s; x == 500 sleeps 0.5 s; x == 777
    starts a child process and answers its pid; else 2x as an array."""

    def predict(self, context, model_input, params=None):
        xs = model_input["x"].to_numpy()
        if (xs < 0).any():
            raise ValueError("x must not be negative")
        if (xs == 999).any():
            time.sleep(60)
        if (xs == 500).any():
            time.sleep(0.5)
        if (xs == 777).any():
            child = subprocess.Popen(["sleep", "60"])
            return np.array([float(child.pid)] * len(xs))
        return xs * 2


class SlowLoad(mlflow.pyfunc.PythonModel):
    """Takes a minute to load, saying so on stderr first."""

    def load_context(self, context):
        if os.environ.get("WEIR_TEST_SAVING"):  # mlflow loads it to save it
            return
        print("slowload: loading takes a minute", file=sys.stderr, flush=True)
        time.sleep(60)

    def predict(self, context, model_input, params=None):
        return model_input["x"].to_numpy()


def save(out, name, model, rows, example):
    df = pd.DataFrame(rows)
    for c, t in example.dtypes.items():
        if c in df and t != object:
            df[c] = df[c].astype(t)
    sig = infer_signature(example, model.predict(None, example))
    path = os.path.join(out, name)
    mlflow.pyfunc.save_model(path, python_model=model, signature=sig)
    if isinstance(model, SlowLoad):
        return
    loaded = mlflow.pyfunc.load_model(path)
    buf = io.StringIO()
    predictions_to_json(loaded.predict(df), buf)
    with open(path + ".json", "w") as f:
        json.dump({"rows": rows, "answer": buf.getvalue()}, f)


def main():
    out = sys.argv[1]
    os.environ["WEIR_TEST_SAVING"] = "1"
    example = pd.DataFrame({"x": [1.5, 2.0], "n": [1, 2], "s": ["a", "b"]})
    rows = {"x": [0.5, 2.0, -0.0, 1e300, 3.25], "n": [1, -7, 0, 2**40, 5],
            "s": ["a", "ü \"quoted\"", "", "tab\there", "b"]}
    save(out, "frame", Frame(), rows, example)
    save(out, "strings", Strings(), rows, example)
    save(out, "behave", Behave(), {"x": [1.0, 2.5]}, example[["x"]])
    save(out, "slowload", SlowLoad(), {"x": [1.0]}, example[["x"]])


if __name__ == "__main__":
    main()
