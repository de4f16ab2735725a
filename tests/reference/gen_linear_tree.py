"""Reference numbers for Weir's ml/linear and ml/tree packages, from scikit-learn.

Run from the repository root with the project's virtualenv:

    /work/venv/bin/python tests/reference/gen_linear_tree.py

It writes tests/reference/fixtures/linear_*.json and tree_*.json. The output is
deterministic (fixed seeds, floats rounded to 10 significant digits, sorted
keys) so CI can rerun it and diff. The bank-marketing fixtures are rewritten
only when the data is present (WEIR_BANK_DATA or
../shared/data/bank-marketing/bank-full.csv); otherwise the committed files are
left as they are.
"""

import json
import math
import os
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "reference", "fixtures")

# The bank data split: rows 1-27,729 are 2008 (train), the rest 2009-2010 (test).
BANK_TRAIN_ROWS = 27729
BANK_NUMERIC = ["age", "balance", "day", "campaign", "pdays", "previous"]
BANK_CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"]


def rounded(x):
    """Round floats to 10 significant digits so tiny platform differences do not show in diffs."""
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        if x == 0 or not math.isfinite(x):
            return x
        return float(f"{x:.10g}")
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return rounded(x.tolist())
    return x


def write(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(rounded(obj), f, sort_keys=True, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


def logistic(penalty, C, fit_intercept=True, class_weight=None, solver="lbfgs", l1_ratio=None):
    """A scikit-learn LogisticRegression converged far past the 1e-4 the Go test allows."""
    if penalty in ("l1", "elasticnet"):
        # saga leaves the intercept unpenalised, like Weir; liblinear would penalise it.
        return LogisticRegression(C=C, l1_ratio=1.0 if penalty == "l1" else l1_ratio, solver="saga", tol=1e-12, max_iter=1_000_000, random_state=0,
                                  fit_intercept=fit_intercept, class_weight=class_weight)
    if penalty == "none":
        C = np.inf
    return LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=100_000,
                              fit_intercept=fit_intercept, class_weight=class_weight)


def linear_small():
    rng = np.random.default_rng(20261126)
    n, p = 300, 6
    X = rng.normal(size=(n, p)) * np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    X[:, 3] += 0.8 * X[:, 0]  # correlated columns, as real data has
    X = np.round(X, 4)
    w = np.array([1.5, -0.5, 0.0, 0.7, 0.0, -1.0])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 1.0)))).astype(float)
    sw = np.round(rng.uniform(0.5, 2.0, size=n), 3)
    cases = [
        dict(name="l2_C1", penalty="l2", C=1.0),
        dict(name="l2_C0.01", penalty="l2", C=0.01),
        dict(name="l2_C100", penalty="l2", C=100.0),
        dict(name="none", penalty="none", C=0.0),
        dict(name="l2_balanced_weighted", penalty="l2", C=1.0, class_weight="balanced", weighted=True),
        dict(name="l2_classmap_nointercept", penalty="l2", C=0.5, class_weight={0: 1.0, 1: 3.0},
             fit_intercept=False),
        dict(name="l1_C0.05", penalty="l1", C=0.05),
        dict(name="l1_C1_weighted", penalty="l1", C=1.0, weighted=True),
        dict(name="elasticnet_C0.1_half", penalty="elasticnet", C=0.1, l1_ratio=0.5),
    ]
    out = []
    for c in cases:
        model = logistic(c["penalty"], c["C"], c.get("fit_intercept", True), c.get("class_weight"),
                         l1_ratio=c.get("l1_ratio"))
        model.fit(X, y, sample_weight=sw if c.get("weighted") else None)
        rec = dict(c)
        if isinstance(rec.get("class_weight"), dict):
            rec["class_weight"] = {str(k): v for k, v in rec["class_weight"].items()}
        rec.update(coef=model.coef_[0], intercept=float(model.intercept_[0]),
                   proba=model.predict_proba(X)[:, 1])
        out.append(rec)
    # Permutation importance of the C=1 model (ml/inspect's reference). The
    # shuffles cannot be the same as Weir's, so the Go test compares means
    # within their standard error over many repeats.
    model = logistic("l2", 1.0).fit(X, y)
    perm = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=200, random_state=0)
    permutation = dict(model="l2_C1", scoring="roc_auc", n_repeats=200,
                       importances_mean=perm.importances_mean, importances_std=perm.importances_std)
    write("linear_small.json", dict(X=X, y=y, weights=sw, cases=out, permutation=permutation))


def tree_small():
    rng = np.random.default_rng(7)
    n, p = 240, 4
    # Two-decimal features: every value is its own histogram bin in Weir, so
    # its trees must reproduce scikit-learn's exactly, thresholds included.
    # Unweighted 0/1 labels make equally good splits on different features
    # common in small nodes, and scikit-learn breaks such ties by its own
    # random feature order, so the deeper cases use random sample weights.
    X = np.round(rng.random((n, p)), 2)
    Xt = np.round(rng.random((100, p)), 2)
    logit = 3 * X[:, 0] - 2 * X[:, 1] + 4 * (X[:, 2] - 0.5) ** 2 - 1
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * logit))).astype(float)
    yr = np.round(np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2] + rng.normal(scale=0.1, size=n), 4)
    sw = np.round(rng.uniform(0.5, 2.0, size=n), 3)
    cases = []
    specs = [
        dict(name="gini_depth4", kind="classifier", criterion="gini", max_depth=4),
        dict(name="entropy_leaf5_weighted", kind="classifier", criterion="entropy", max_depth=6, min_samples_leaf=5,
             weighted=True),
        dict(name="gini_weighted_split20", kind="classifier", criterion="gini", max_depth=5,
             min_samples_split=20, weighted=True, class_weight="balanced"),
        dict(name="squared_error_depth5", kind="regressor", criterion="squared_error", max_depth=5,
             min_samples_leaf=3),
        dict(name="squared_error_weighted", kind="regressor", criterion="squared_error", max_depth=4,
             weighted=True),
        dict(name="gini_missing_weighted", kind="classifier", criterion="gini", max_depth=5, min_samples_leaf=3,
             weighted=True, missing=True),
        dict(name="squared_error_missing_weighted", kind="regressor", criterion="squared_error", max_depth=4,
             min_samples_leaf=3, weighted=True, missing=True),
    ]
    # Missing values: 15% of feature 1 and 10% of feature 3, in training and
    # new rows; trees learn which side sends them to.
    Xm, Xtm = X.copy(), Xt.copy()
    for A in (Xm, Xtm):
        A[rng.random(len(A)) < 0.15, 1] = np.nan
        A[rng.random(len(A)) < 0.10, 3] = np.nan
    for s in specs:
        kw = dict(criterion=s["criterion"], max_depth=s["max_depth"],
                  min_samples_leaf=s.get("min_samples_leaf", 1),
                  min_samples_split=s.get("min_samples_split", 2), random_state=0)
        weights = sw if s.get("weighted") else None
        A, At = (Xm, Xtm) if s.get("missing") else (X, Xt)
        if s["kind"] == "classifier":
            model = DecisionTreeClassifier(class_weight=s.get("class_weight"), **kw).fit(A, y, sample_weight=weights)
            pred, pred_test = model.predict_proba(A)[:, 1], model.predict_proba(At)[:, 1]
        else:
            model = DecisionTreeRegressor(**kw).fit(A, yr, sample_weight=weights)
            pred, pred_test = model.predict(A), model.predict(At)
        rec = dict(s)
        rec.update(pred=pred, pred_test=pred_test, n_leaves=int(model.get_n_leaves()),
                   feature_importances=model.feature_importances_)
        cases.append(rec)
    # A random forest regressor's test R² (the draws differ from Weir's, so
    # the Go test allows a margin).
    yr_test = np.round(np.sin(3 * Xt[:, 0]) + Xt[:, 1] * Xt[:, 2] + rng.normal(scale=0.1, size=len(Xt)), 4)
    forest = RandomForestRegressor(n_estimators=200, min_samples_leaf=2, random_state=0).fit(X, yr)
    forest_regression = dict(n_estimators=200, min_samples_leaf=2, max_features=1.0,
                             test_r2=r2_score(yr_test, forest.predict(Xt)))
    # JSON has no NaN: missing values are written as null.
    nulls = lambda A: [[None if np.isnan(v) else float(v) for v in row] for row in A]  # noqa: E731
    write("tree_small.json", dict(X=X, X_test=Xt, X_missing=nulls(Xm), X_test_missing=nulls(Xtm), y=y, y_reg=yr,
                                  y_reg_test=yr_test, weights=sw, cases=cases, forest_regression=forest_regression))


def bank_path():
    path = os.environ.get("WEIR_BANK_DATA") or os.path.join(ROOT, "..", "shared", "data", "bank-marketing",
                                                            "bank-full.csv")
    return path if os.path.exists(path) else None


def bank_encode(path):
    """One-hot encode the bank data exactly as Weir's test helpers do: numeric columns in file order,
    then each categorical column's training levels in sorted order; duration is left out."""
    import csv
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    train, test = rows[:BANK_TRAIN_ROWS], rows[BANK_TRAIN_ROWS:]
    names = list(BANK_NUMERIC)
    levels = {c: sorted({r[c] for r in train}) for c in BANK_CATEGORICAL}
    for c in BANK_CATEGORICAL:
        names += [f"{c}={v}" for v in levels[c]]

    def encode(part):
        X = np.zeros((len(part), len(names)))
        for i, r in enumerate(part):
            X[i, :len(BANK_NUMERIC)] = [float(r[c]) for c in BANK_NUMERIC]
            k = len(BANK_NUMERIC)
            for c in BANK_CATEGORICAL:
                for v in levels[c]:
                    X[i, k] = 1.0 if r[c] == v else 0.0
                    k += 1
        y = np.array([1.0 if r["y"] == "yes" else 0.0 for r in part])
        return X, y

    Xtr, ytr = encode(train)
    Xte, yte = encode(test)
    return names, Xtr, ytr, Xte, yte


def bank(path):
    names, Xtr, ytr, Xte, yte = bank_encode(path)
    k = len(BANK_NUMERIC)
    mean, std = Xtr[:, :k].mean(axis=0), Xtr[:, :k].std(axis=0)  # population std, as the Go helper
    Str, Ste = Xtr.copy(), Xte.copy()
    Str[:, :k] = (Str[:, :k] - mean) / std
    Ste[:, :k] = (Ste[:, :k] - mean) / std
    lr = []
    for C in [1.0, 0.01]:
        # The one-hot blocks and the intercept are collinear, so only the small
        # L2 term curves the loss along them: lbfgs stops (on its f tolerance)
        # ~1e-4 short of the optimum there, Newton's method does not.
        model = logistic("l2", C, solver="newton-cholesky").fit(Str, ytr)
        lr.append(dict(penalty="l2", C=C, test_auc=roc_auc_score(yte, model.predict_proba(Ste)[:, 1]),
                       coef=model.coef_[0], intercept=float(model.intercept_[0])))
    write("linear_bank.json", dict(feature_names=names, n_train=len(ytr), n_test=len(yte), cases=lr))

    rf = []
    for spec in [dict(n_estimators=100, max_features="sqrt", min_samples_leaf=5),
                 dict(n_estimators=50, max_features=0.3, min_samples_leaf=20)]:
        model = RandomForestClassifier(random_state=0, n_jobs=2, oob_score=True, **spec).fit(Xtr, ytr)
        rec = dict(spec)
        rec.update(test_auc=roc_auc_score(yte, model.predict_proba(Xte)[:, 1]), oob_accuracy=model.oob_score_)
        rf.append(rec)
    write("tree_bank.json", dict(feature_names=names, n_train=len(ytr), n_test=len(yte), cases=rf))


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    linear_small()
    tree_small()
    path = bank_path()
    if path is None:
        print("bank-marketing data not found: leaving linear_bank.json and tree_bank.json as they are",
              file=sys.stderr)
    else:
        bank(path)


if __name__ == "__main__":
    main()
