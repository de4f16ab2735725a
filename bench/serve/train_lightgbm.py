"""Fit the serving benchmark's model with LightGBM and save it with
mlflow.lightgbm, for `mlflow models serve`.

Same data and settings as train/main.go: the numeric bank columns without
duration, the 2008 rows, LightGBM's defaults (100 trees, 31 leaves,
learning rate 0.1).

Usage: train_lightgbm.py CSV OUTDIR
"""

import sys

import lightgbm as lgb
import mlflow.lightgbm
import pandas as pd

COLUMNS = ["age", "balance", "day", "campaign", "pdays", "previous"]
TRAIN_ROWS = 27729


def main():
    csv, out = sys.argv[1], sys.argv[2]
    df = pd.read_csv(csv).iloc[:TRAIN_ROWS]
    X = df[COLUMNS].astype("int64")
    y = (df["y"] == "yes").astype(int)
    model = lgb.LGBMClassifier(n_estimators=100, num_leaves=31, learning_rate=0.1,
                               n_jobs=2, verbose=-1).fit(X, y)
    mlflow.lightgbm.save_model(model, out, input_example=X.iloc[:2])


if __name__ == "__main__":
    main()
