"""Reference fold assignments for ml/selection from scikit-learn.

Writes tests/reference/fixtures/selection.json: labels and the test fold of
every row under StratifiedKFold(shuffle=False), KFold(shuffle=False),
GroupKFold and TimeSeriesSplit. The output
is deterministic; CI reruns this script and fails if the file changes.
"""
import json
import pathlib

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

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
    kfold = []
    for n, k in [(10, 3), (23, 5), (4, 4)]:
        kfold.append({"n": n, "k": k, "test_fold": test_folds(KFold(n_splits=k), np.zeros(n))})
    group = []
    for name, groups, k in [
        ("strings_with_size_ties", ["b", "a", "c", "a", "d", "b", "e", "c", "a", "f", "e", "g"], 3),
        ("integers", [int(v) for v in rng.integers(0, 9, 40)], 4),
        ("one_row_groups", [int(v) for v in range(7)], 2),
    ]:
        fold = [-1] * len(groups)
        for f, (_, test) in enumerate(GroupKFold(n_splits=k).split(np.zeros((len(groups), 1)), groups=groups)):
            for i in test:
                fold[int(i)] = f
        group.append({"name": name, "groups": [str(g) for g in groups], "numeric": not isinstance(groups[0], str),
                      "k": k, "test_fold": fold})
    OUT.write_text(json.dumps({"stratified": cases, "time_series": ts, "kfold": kfold, "group": group},
                              sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
