"""Fit the serving benchmark's scikit-learn model and save it with
mlflow.sklearn (its default skops format), for both `mlflow models serve`
and `weir models serve`, which scores it natively.

A RandomForestClassifier of 100 trees (max depth 8) on the same numeric bank
columns and 2008 rows as train_lightgbm.py.

Usage: train_sklearn.py CSV OUTDIR
"""

import sys

import mlflow.sklearn
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

COLUMNS = ["age", "balance", "day", "campaign", "pdays", "previous"]
TRAIN_ROWS = 27729


def main():
    csv, out = sys.argv[1], sys.argv[2]
    df = pd.read_csv(csv).iloc[:TRAIN_ROWS]
    X = df[COLUMNS].astype("int64")
    y = (df["y"] == "yes").astype(int)
    model = RandomForestClassifier(n_estimators=100, max_depth=8, n_jobs=2, random_state=0).fit(X, y)
    mlflow.sklearn.save_model(model, out, input_example=X.iloc[:2],
                              skops_trusted_types=["sklearn.tree._tree.Tree"])


if __name__ == "__main__":
    main()
