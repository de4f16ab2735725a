"""Train LightGBM for the GBDT benchmark; prints one JSON line.

Usage: gbdt_lightgbm.py bank CSV | synthetic DIR   (threads from
BENCH_THREADS, default 2). Parameters are LightGBM's defaults (binary
objective, 31 leaves, learning rate 0.1, 100 trees), as in
bench/train/gbdt/main.go. The time covers Dataset construction (binning)
and boosting, as Weir's Fit does.
"""

import json
import os
import sys
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

BANK_CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan",
                    "contact", "month", "poutcome"]
BANK_TRAIN_ROWS = 27729


def load(kind, path):
    if kind == "synthetic":
        return (np.load(f"{path}/train_X.npy"), np.load(f"{path}/train_y.npy"),
                np.load(f"{path}/test_X.npy"), np.load(f"{path}/test_y.npy"), [])
    df = pd.read_csv(path)
    y = (df.pop("y") == "yes").astype(float).to_numpy()
    df = df.drop(columns=["duration"])
    for c in BANK_CATEGORICAL:
        levels = sorted(df[c].unique())
        df[c] = df[c].map({v: i for i, v in enumerate(levels)}).astype(float)
    X = df.to_numpy(dtype=float)
    cat = [df.columns.get_loc(c) for c in BANK_CATEGORICAL]
    n = BANK_TRAIN_ROWS
    return X[:n], y[:n], X[n:], y[n:], cat


def main():
    kind, path = sys.argv[1], sys.argv[2]
    Xtr, ytr, Xte, yte, cat = load(kind, path)
    params = {"objective": "binary", "num_threads": int(os.environ.get("BENCH_THREADS", "2")),
              "verbose": -1, "n_estimators": 100}
    start = time.perf_counter()
    model = lgb.train(params, lgb.Dataset(Xtr, label=ytr, categorical_feature=cat or "auto"))
    seconds = time.perf_counter() - start
    auc = roc_auc_score(yte, model.predict(Xte))
    print(json.dumps({"impl": "lightgbm", "data": kind, "train_seconds": seconds, "auc": auc}))


if __name__ == "__main__":
    main()
