"""Train scikit-learn's RandomForestClassifier for the forest benchmark.

    forest_sklearn.py DIR N_ESTIMATORS MIN_SAMPLES_LEAF

Reads DIR/{train,test}_{X,y}.npy (from forest_data.py), trains with
max_features="sqrt", n_jobs=BENCH_THREADS (default 2) and prints one JSON
line with the training time and the test ROC AUC.
"""

import json
import os
import pathlib
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score


def main():
    d = pathlib.Path(sys.argv[1])
    n_estimators, min_samples_leaf = int(sys.argv[2]), int(sys.argv[3])
    Xtr, ytr = np.load(d / "train_X.npy"), np.load(d / "train_y.npy")
    Xte, yte = np.load(d / "test_X.npy"), np.load(d / "test_y.npy")
    model = RandomForestClassifier(n_estimators=n_estimators, max_features="sqrt",
                                   min_samples_leaf=min_samples_leaf, random_state=0,
                                   n_jobs=int(os.environ.get("BENCH_THREADS", "2")))
    start = time.perf_counter()
    model.fit(Xtr, ytr)
    seconds = time.perf_counter() - start
    auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
    print(json.dumps({"impl": "scikit-learn", "train_seconds": seconds, "auc": auc}))


if __name__ == "__main__":
    main()
