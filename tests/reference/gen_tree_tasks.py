"""Reference numbers for ml/tree's multiclass and regression forests, from scikit-learn.

Run from the repository root with the project's virtualenv:

    /work/main/.venv/bin/python tests/reference/gen_tree_tasks.py

It writes tests/reference/fixtures/tree_tasks_*.json:

- tree_tasks_small.json: single multiclass trees with no randomness (every
  feature examined, no bootstrap) on two-decimal data, where Weir's histogram
  bins are exact, and on iris; Weir must give scikit-learn's probabilities.
- tree_tasks_<dataset>.json: a fixed train/test split of iris, wine, digits, a
  5-class make_classification set, diabetes and a make_regression set, with the
  test accuracy (classification) or RMSE (regression) of scikit-learn's random
  forest over ten seeds (min, max, mean, std). Weir's forest must land inside
  that seed-to-seed spread.

The output is deterministic (fixed seeds, one job, floats rounded to 10
significant digits, sorted keys) so CI can rerun it and diff.
"""

import json
import math
import os

import numpy as np
from sklearn.datasets import (load_diabetes, load_digits, load_iris, load_wine, make_classification,
                              make_regression)
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "reference", "fixtures")

SEEDS = list(range(10))
N_ESTIMATORS = 100


def rounded(x):
    """Round floats to 10 significant digits; integral arrays stay integers to keep files small."""
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v) for v in x]
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f" and np.all(np.isfinite(x)) and np.all(x == np.round(x)) and x.size and np.abs(x).max() < 2**31:
            return x.astype(np.int64).tolist()
        return rounded(x.tolist())
    if isinstance(x, (np.floating, float)):
        x = float(x)
        if x == 0 or not math.isfinite(x):
            return x
        return float(f"{x:.10g}")
    if isinstance(x, np.integer):
        return int(x)
    return x


def write(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(rounded(obj), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT), os.path.getsize(path), "bytes")


def nulls(X):
    """Rows with None for NaN, as JSON has no NaN."""
    return [[None if math.isnan(v) else float(f"{v:.10g}") for v in row] for row in X.tolist()]


def tree_small():
    rng = np.random.default_rng(11)
    n, p, k = 240, 4, 4
    # Two-decimal features: every value is its own bin in Weir, so its trees
    # must be scikit-learn's, thresholds included. Random sample weights make
    # equally good splits on different features rare (scikit-learn breaks
    # such ties by its own random feature order, Weir by another).
    X = np.round(rng.random((n, p)), 2)
    Xt = np.round(rng.random((100, p)), 2)
    logits = np.stack([3 * X[:, 0], 3 * X[:, 1], 4 * (X[:, 2] - 0.5) ** 2 + X[:, 3], 1.5 * np.ones(n)], axis=1)
    prob = np.exp(2 * logits)
    prob /= prob.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=pr) for pr in prob]).astype(float)
    sw = np.round(rng.uniform(0.5, 2.0, size=n), 3)
    Xm, Xtm = X.copy(), Xt.copy()
    for A in (Xm, Xtm):
        A[rng.random(len(A)) < 0.15, 1] = np.nan
        A[rng.random(len(A)) < 0.10, 3] = np.nan
    # Depths stay at 6 or less: deeper, nodes of a few rows often have two
    # features that split them equally well, and the trees then differ by
    # their tie-breaking only (same training predictions, other importances).
    specs = [
        dict(name="gini_depth3", criterion="gini", max_depth=3),
        dict(name="gini_depth5_weighted", criterion="gini", max_depth=5, weighted=True),
        dict(name="entropy_leaf5_weighted", criterion="entropy", max_depth=6, min_samples_leaf=5, weighted=True),
        dict(name="gini_balanced_split20_weighted", criterion="gini", max_depth=5, min_samples_split=20,
             weighted=True, class_weight="balanced"),
        dict(name="gini_missing_weighted", criterion="gini", max_depth=5, min_samples_leaf=3, weighted=True,
             missing=True),
        dict(name="entropy_classmap_depth4", criterion="entropy", max_depth=4,
             class_weight={0: 1.0, 1: 2.5, 2: 0.5, 3: 1.5}),
    ]
    cases = []
    for c in specs:
        Xc, Xtc = (Xm, Xtm) if c.get("missing") else (X, Xt)
        m = DecisionTreeClassifier(criterion=c["criterion"], max_depth=c.get("max_depth"),
                                   min_samples_leaf=c.get("min_samples_leaf", 1),
                                   min_samples_split=c.get("min_samples_split", 2),
                                   class_weight=c.get("class_weight"), random_state=0)
        m.fit(Xc, y, sample_weight=sw if c.get("weighted") else None)
        rec = dict(c)
        if isinstance(rec.get("class_weight"), dict):
            rec["class_weight_map"] = {str(k): v for k, v in rec.pop("class_weight").items()}
        rec.update(proba=m.predict_proba(Xc), proba_test=m.predict_proba(Xtc), n_leaves=m.get_n_leaves(),
                   feature_importances=m.feature_importances_)
        cases.append(rec)
    # A forest with no randomness left (every feature, no bootstrap) is its
    # trees' average of identical trees, so its probabilities are exact too.
    forest = RandomForestClassifier(n_estimators=5, bootstrap=False, max_features=None, max_depth=4,
                                    random_state=0, n_jobs=1).fit(X, y, sample_weight=sw)
    forest_case = dict(n_estimators=5, max_depth=4, proba_test=forest.predict_proba(Xt))
    iris = load_iris()
    Xi, yi = iris.data, iris.target.astype(float)
    iris_cases = []
    # Iris has such ties from depth 4 (features 0 and 1 in one node).
    for c in [dict(name="iris_gini_depth3", criterion="gini", max_depth=3),
              dict(name="iris_entropy_depth3", criterion="entropy", max_depth=3)]:
        m = DecisionTreeClassifier(criterion=c["criterion"], max_depth=c["max_depth"], random_state=0).fit(Xi, yi)
        rec = dict(c)
        rec.update(proba=m.predict_proba(Xi), n_leaves=m.get_n_leaves(), feature_importances=m.feature_importances_)
        iris_cases.append(rec)
    write("tree_tasks_small.json", dict(X=X, X_test=Xt, X_missing=nulls(Xm), X_test_missing=nulls(Xtm), y=y,
                                        weights=sw, n_classes=k, cases=cases, forest=forest_case,
                                        iris=dict(X=Xi, y=yi, cases=iris_cases)))


def datasets():
    """The task sets: name, task, X, y. Generated features are rounded to 3 decimals before anything is fitted."""
    iris, wine, digits, diabetes = load_iris(), load_wine(), load_digits(), load_diabetes()
    Xc, yc = make_classification(n_samples=800, n_features=20, n_informative=8, n_redundant=4, n_classes=5,
                                 n_clusters_per_class=1, class_sep=1.0, random_state=0)
    Xr, yr = make_regression(n_samples=500, n_features=10, n_informative=6, noise=10.0, random_state=0)
    Xr = np.round(Xr, 3)
    yr = np.round(yr, 3)
    return [
        ("iris", "multiclass", iris.data, iris.target),
        ("wine", "multiclass", wine.data, wine.target),
        ("digits", "multiclass", digits.data, digits.target),
        ("make_classification", "multiclass", np.round(Xc, 3), yc),
        ("diabetes", "regression", np.round(diabetes.data, 6), diabetes.target),
        ("make_regression", "regression", Xr, yr),
    ]


def forest_spread(name, task, X, y):
    idx = np.arange(len(y))
    stratify = y if task == "multiclass" else None
    train, test = train_test_split(idx, test_size=0.25, random_state=0, stratify=stratify)
    train, test = np.sort(train), np.sort(test)
    scores = []
    for seed in SEEDS:
        if task == "multiclass":
            m = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=seed, n_jobs=1)
            m.fit(X[train], y[train])
            scores.append(accuracy_score(y[test], m.predict(X[test])))
        else:
            m = RandomForestRegressor(n_estimators=N_ESTIMATORS, random_state=seed, n_jobs=1)
            m.fit(X[train], y[train])
            scores.append(math.sqrt(mean_squared_error(y[test], m.predict(X[test]))))
    scores = np.array(scores)
    metric = "accuracy" if task == "multiclass" else "rmse"
    out = dict(name=name, task=task, X=X, y=y, test=test, n_estimators=N_ESTIMATORS, seeds=len(SEEDS),
               metric=metric, scores=scores, min=scores.min(), max=scores.max(), mean=scores.mean(),
               std=scores.std(ddof=1))
    if task == "multiclass":
        out["n_classes"] = int(y.max()) + 1
    write(f"tree_tasks_{name}.json", out)


def main():
    tree_small()
    for name, task, X, y in datasets():
        forest_spread(name, task, X, y.astype(float))


if __name__ == "__main__":
    main()
