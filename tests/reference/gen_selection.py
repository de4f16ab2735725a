"""Reference fold assignments for ml/selection from scikit-learn.

Writes tests/reference/fixtures/selection.json: labels and the test fold of
every row under StratifiedKFold(shuffle=False) and TimeSeriesSplit. The output
is deterministic; CI reruns this script and fails if the file changes.
"""
import json
import pathlib

import numpy as np
from sklearn.model_selection import StratifiedKFold, TimeSeriesSplit

OUT = pathlib.Path(__file__).parent / "fixtures" / "selection.json"


def test_folds(splitter, y):
    fold = [-1] * len(y)
    for f, (_, test) in enumerate(splitter.split(np.zeros((len(y), 1)), y)):
        for i in test:
            fold[int(i)] = f
    return fold


def main():
    rng = np.random.default_rng(7)
    cases = []
    for name, y, k in [
        ("binary_imbalanced", (rng.random(103) < 0.12).astype(int), 5),
        ("binary_balanced", rng.integers(0, 2, 50), 3),
        ("three_classes_first_seen_order", np.array([2, 0, 1, 2, 2, 0, 1, 1, 2, 0, 2, 2, 1, 0, 2, 1]), 4),
    ]:
        cases.append({"name": name, "y": [float(v) for v in y], "k": k,
                      "test_fold": test_folds(StratifiedKFold(n_splits=k), y)})
    ts = []
    for n, k in [(100, 4), (17, 3)]:
        folds = [{"train": [int(i) for i in tr], "test": [int(i) for i in te]}
                 for tr, te in TimeSeriesSplit(n_splits=k).split(np.zeros((n, 1)))]
        ts.append({"n": n, "k": k, "folds": folds})
    OUT.write_text(json.dumps({"stratified": cases, "time_series": ts}, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
