"""Reference numbers for Weir's GBDT (ml/gbdt), computed with LightGBM.

Trains LightGBM with the same data and parameters as ml/gbdt's reference
tests and writes the test-set scores, rounded, to fixtures/gbdt_*.json.
The output is deterministic (one thread, deterministic=True), so CI reruns
this script and diffs the fixtures.

Usage: python tests/reference/gen_gbdt.py   (WEIR_BANK_DATA overrides the
bank CSV path; without the CSV only the regression fixture is written.)
"""

import json
import os
import pathlib
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error, roc_auc_score

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "fixtures"

# Rows 1-27,729 of bank-full.csv are 2008 (train), the rest 2009-2010 (test).
BANK_TRAIN_ROWS = 27729
BANK_CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan",
                    "contact", "month", "poutcome"]

COMMON = {"num_threads": 1, "deterministic": True, "verbose": -1}

BANK_CASES = [
    ("defaults", {}),
    ("leaves15_lr0.05_300", {"num_leaves": 15, "learning_rate": 0.05, "n_estimators": 300}),
    ("bagging_feature_fraction", {"bagging_fraction": 0.8, "bagging_freq": 1,
                                  "feature_fraction": 0.7, "seed": 7}),
    ("regularised_unbalanced", {"lambda_l1": 0.5, "lambda_l2": 2.0, "min_data_in_leaf": 50,
                                "max_depth": 6, "is_unbalance": True}),
]

REGRESSION_CASES = [
    ("defaults", {}),
    ("leaves63_lr0.05_200", {"num_leaves": 63, "learning_rate": 0.05, "n_estimators": 200,
                             "min_data_in_leaf": 10}),
]


def bank_path():
    env = os.environ.get("WEIR_BANK_DATA")
    return pathlib.Path(env) if env else ROOT.parent / "shared/data/bank-marketing/bank-full.csv"


def load_bank(path):
    """Bank features without `duration` (it leaks the target), categoricals
    as integer codes in sorted level order; returns X, y, categorical indices."""
    df = pd.read_csv(path)
    y = (df.pop("y") == "yes").astype(float).to_numpy()
    df = df.drop(columns=["duration"])
    for c in BANK_CATEGORICAL:
        levels = sorted(df[c].unique())
        df[c] = df[c].map({v: i for i, v in enumerate(levels)}).astype(float)
    cat_idx = [df.columns.get_loc(c) for c in BANK_CATEGORICAL]
    return df.to_numpy(dtype=float), y, cat_idx


def lcg_uniforms(seed, n):
    """The same uniforms as the Go test's lcg: a 64-bit LCG, top 53 bits."""
    out = np.empty(n)
    s = seed
    mask = (1 << 64) - 1
    for i in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & mask
        out[i] = (s >> 11) / float(1 << 53)
    return out


def regression_data(n=5000):
    """Features and target built from LCG uniforms (see ml/gbdt's test);
    x5 is missing in about 20% of rows, x6 holds 8 category codes."""
    u = lcg_uniforms(12345, n * 9).reshape(n, 9)
    X = np.empty((n, 7))
    X[:, 0:5] = u[:, 0:5]
    X[:, 5] = np.where(u[:, 6] < 0.2, np.nan, u[:, 5])
    X[:, 6] = np.floor(u[:, 7] * 8)
    effect = np.array([0.0, 1.0, -1.0, 2.0, 0.5, -2.0, 1.5, -0.5])
    y = (3 * X[:, 0] + 2 * X[:, 1] * X[:, 2] - 4 * (X[:, 3] > 0.5) + 5 * X[:, 4] * X[:, 4]
         + np.where(np.isnan(X[:, 5]), 2.0, X[:, 5]) + effect[X[:, 6].astype(int)]
         + (u[:, 8] - 0.5))
    return X, y


def train(params, X, y, cat_idx):
    p = dict(COMMON, **params)
    ds = lgb.Dataset(X, label=y, categorical_feature=cat_idx, free_raw_data=False)
    return lgb.train(p, ds)


def write(name, obj):
    path = FIXTURES / name
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    print("wrote", path.relative_to(ROOT))


def main():
    FIXTURES.mkdir(exist_ok=True)
    X, y = regression_data()
    cases = []
    for name, params in REGRESSION_CASES:
        model = train(dict(params, objective="regression"), X[:4000], y[:4000], [6])
        rmse = mean_squared_error(y[4000:], model.predict(X[4000:])) ** 0.5
        cases.append({"name": name, "params": params, "rmse": round(float(rmse), 6)})
    write("gbdt_regression.json", {"lightgbm_version": lgb.__version__, "rows": 5000,
                                   "train_rows": 4000, "cases": cases})

    path = bank_path()
    if not path.exists():
        print(f"bank data not found at {path}: gbdt_bank.json not regenerated", file=sys.stderr)
        return
    X, y, cat_idx = load_bank(path)
    cases = []
    for name, params in BANK_CASES:
        model = train(dict(params, objective="binary"), X[:BANK_TRAIN_ROWS], y[:BANK_TRAIN_ROWS], cat_idx)
        auc = roc_auc_score(y[BANK_TRAIN_ROWS:], model.predict(X[BANK_TRAIN_ROWS:]))
        cases.append({"name": name, "params": params, "auc": round(float(auc), 6)})
    write("gbdt_bank.json", {"lightgbm_version": lgb.__version__, "train_rows": BANK_TRAIN_ROWS,
                             "cases": cases})


if __name__ == "__main__":
    main()
