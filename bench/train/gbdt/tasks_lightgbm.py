"""Train LightGBM for the GBDT multiclass and regression benchmark.

Usage: tasks_lightgbm.py OBJECTIVE DIR PREDICTIONS
OBJECTIVE is multiclass, regression, regression_l1 or huber; DIR holds
tasks_data.py's files. Prints one JSON line (train seconds: Dataset
construction plus boosting, as Weir's Fit; test accuracy or RMSE) and
writes the test rows' raw scores to PREDICTIONS as little-endian float64
(K per row for multiclass). Parameters are LightGBM's defaults, 100
iterations, threads from BENCH_THREADS (default 2), as in main.go.
"""

import json
import os
import sys
import time

import lightgbm as lgb
import numpy as np


def main():
    objective, path, pred_path = sys.argv[1:4]
    label = "class" if objective == "multiclass" else "target"
    Xtr, ytr = np.load(f"{path}/train_X.npy"), np.load(f"{path}/train_{label}.npy")
    Xte, yte = np.load(f"{path}/test_X.npy"), np.load(f"{path}/test_{label}.npy")
    params = {"objective": objective, "num_threads": int(os.environ.get("BENCH_THREADS", "2")),
              "verbose": -1, "n_estimators": 100}
    if objective == "multiclass":
        params["num_class"] = int(ytr.max()) + 1
    start = time.perf_counter()
    model = lgb.train(params, lgb.Dataset(Xtr, label=ytr))
    seconds = time.perf_counter() - start
    raw = np.asarray(model.predict(Xte, raw_score=True), dtype="<f8")
    raw.tofile(pred_path)
    if objective == "multiclass":
        score = float(np.mean(np.argmax(raw, axis=1) == yte))
    else:
        score = float(np.sqrt(np.mean((raw - yte) ** 2)))
    print(json.dumps({"impl": "lightgbm", "data": objective, "train_seconds": seconds, "score": score}))


if __name__ == "__main__":
    main()
