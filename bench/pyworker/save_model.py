"""Saves the custom pyfunc model bench/pyworker/run.sh serves both ways.

Usage: python save_model.py OUT_DIR. The model scores six numeric columns of
the bank data with fixed weights and answers a DataFrame of score and band,
so both servers serialise records.
"""
import sys

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import infer_signature

COLS = ["age", "balance", "day", "campaign", "pdays", "previous"]


class Score(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        w = np.array([0.02, 1e-4, -0.01, -0.1, 0.002, 0.3])
        z = model_input[COLS].to_numpy(dtype=float) @ w - 1.0
        p = 1 / (1 + np.exp(-z))
        return pd.DataFrame({"score": p, "band": np.where(p > 0.5, "high", "low")})


example = pd.DataFrame({"age": [58, 44], "balance": [2143, 29], "day": [5, 5],
                        "campaign": [1, 1], "pdays": [-1, -1], "previous": [0, 0]})
mlflow.pyfunc.save_model(sys.argv[1], python_model=Score(), input_example=example,
                         signature=infer_signature(example, Score().predict(None, example)))
