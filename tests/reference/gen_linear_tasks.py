"""Reference numbers for Weir's multiclass and regression linear models, from scikit-learn.

Run from the repository root with the project's virtualenv:

    /work/main/.venv/bin/python tests/reference/gen_linear_tasks.py

It writes tests/reference/fixtures/linear_tasks_multiclass.json (multinomial
logistic regression on iris and standardised wine) and
tests/reference/fixtures/linear_tasks_regression.json (LinearRegression and
Ridge on diabetes, a weighted make_regression set with collinear columns, and
a set with more columns than rows). Inputs are rounded before fitting, so Go
and scikit-learn see the same numbers; outputs are rounded to 12 significant
digits and keys are sorted, so the files are byte-for-byte deterministic.
"""

import json
import math
import os

import numpy as np
from sklearn.datasets import load_diabetes, load_iris, load_wine, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "reference", "fixtures")


def rounded(x, digits=12):
    """Round floats to `digits` significant digits so last-bit differences between BLAS builds do not show."""
    if isinstance(x, dict):
        return {k: rounded(v, digits) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v, digits) for v in x]
    if isinstance(x, np.ndarray):
        return rounded(x.tolist(), digits)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        if x == 0 or not math.isfinite(x):
            return x
        return float(f"{x:.{digits}g}")
    if isinstance(x, np.integer):
        return int(x)
    return x


def write(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(rounded(obj), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


def weights(n, seed):
    return np.round(np.random.default_rng(seed).uniform(0.5, 2.0, size=n), 3)


def standardize(X):
    """What a user would do before a penalised linear model: zero mean, unit (population) variance."""
    return (X - X.mean(axis=0)) / X.std(axis=0)


def multinomial_gradient(X, y, sw, C, fit_intercept, coef, intercept):
    """Largest entry of the gradient of scikit-learn's lbfgs objective at its solution (a convergence check)."""
    Z = X @ coef.T + intercept
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(coef.shape[0])[y]
    R = (P - Y) * sw[:, None] / sw.sum()
    G = R.T @ X + coef / (C * sw.sum())
    g = np.abs(G).max()
    if fit_intercept:
        g = max(g, np.abs(R.sum(axis=0)).max())
    return g


def multiclass():
    iris = load_iris()
    wine = load_wine()
    sets = {
        "iris": (np.round(iris.data, 4), iris.target),
        "wine": (np.round(standardize(wine.data), 6), wine.target),
    }
    specs = [
        dict(name="iris_C1", data="iris", C=1.0),
        dict(name="iris_C0.1", data="iris", C=0.1),
        dict(name="iris_C10_weighted", data="iris", C=10.0, weighted=True),
        dict(name="iris_balanced_weighted", data="iris", C=1.0, class_weight="balanced", weighted=True),
        dict(name="iris_classmap_nointercept", data="iris", C=0.5, class_weight={0: 1.0, 1: 2.0, 2: 0.5},
             fit_intercept=False),
        dict(name="wine_C1", data="wine", C=1.0),
        dict(name="wine_C0.05_weighted", data="wine", C=0.05, weighted=True),
        # L1 and elastic net: scikit-learn's saga, the one solver with an L1
        # multinomial; Weir's OWL-QN minimises the same objective.
        dict(name="wine_l1_C0.1", data="wine", C=0.1, penalty="l1", l1_ratio=1.0),
        dict(name="wine_elasticnet_C0.5_weighted", data="wine", C=0.5, penalty="elasticnet", l1_ratio=0.5,
             weighted=True),
    ]
    cases = []
    for s in specs:
        X, y = sets[s["data"]]
        sw = weights(len(y), 11) if s.get("weighted") else None
        kw = dict(C=s["C"], tol=1e-12, max_iter=100_000, fit_intercept=s.get("fit_intercept", True),
                  class_weight=s.get("class_weight"))
        if "l1_ratio" in s:
            model = LogisticRegression(solver="saga", l1_ratio=s["l1_ratio"], random_state=0,
                                       **dict(kw, max_iter=1_000_000)).fit(X, y, sample_weight=sw)
            rec = dict(s)
            rec.update(coef=model.coef_, intercept=model.intercept_, proba=model.predict_proba(X),
                       n_classes=len(model.classes_))
            cases.append(rec)
            continue
        # lbfgs and newton-cholesky minimise the same objective. lbfgs stops on
        # its f tolerance with a gradient near 1e-7, newton-cholesky goes on to
        # the rounding floor, so it is the reference; lbfgs must agree with it.
        model = LogisticRegression(solver="newton-cholesky", **kw).fit(X, y, sample_weight=sw)
        lbfgs = LogisticRegression(solver="lbfgs", **kw).fit(X, y, sample_weight=sw)
        lbfgs_diff = max(np.abs(model.coef_ - lbfgs.coef_).max(), np.abs(model.intercept_ - lbfgs.intercept_).max())
        print(s["name"], "lbfgs - newton-cholesky", lbfgs_diff)
        assert lbfgs_diff < 1e-4, (s["name"], lbfgs_diff)
        full = np.ones(len(y)) if sw is None else sw
        if s.get("class_weight") == "balanced":
            cw = np.array([full.sum() / (3 * full[y == k].sum()) for k in range(3)])
            full = full * cw[y]
        elif s.get("class_weight"):
            full = full * np.array([s["class_weight"][k] for k in range(3)])[y]
        grad = multinomial_gradient(X, y, full, s["C"], s.get("fit_intercept", True), model.coef_,
                                    model.intercept_)
        print(s["name"], "gradient", grad)
        assert grad < 1e-10, (s["name"], grad)
        rec = dict(s)
        if isinstance(rec.get("class_weight"), dict):
            rec["class_weight"] = {str(k): v for k, v in rec["class_weight"].items()}
        rec.update(coef=model.coef_, intercept=model.intercept_, proba=model.predict_proba(X),
                   n_classes=len(model.classes_))
        cases.append(rec)
    data = {k: dict(X=X, y=y) for k, (X, y) in sets.items()}
    data["iris"]["weights"] = weights(150, 11)
    data["wine"]["weights"] = weights(178, 11)
    write("linear_tasks_multiclass.json", dict(data=data, cases=cases))


def regression():
    diabetes = load_diabetes()
    Xr, yr = make_regression(n_samples=200, n_features=8, n_informative=5, noise=10.0, random_state=0)
    Xr = np.round(Xr, 6)
    # Two exactly collinear columns: X'X is singular, scikit-learn's lstsq gives the minimum-norm solution.
    Xc = np.column_stack([Xr, Xr[:, 0] + Xr[:, 1], 2 * Xr[:, 2]])
    rng = np.random.default_rng(5)
    Xw = np.round(rng.normal(size=(12, 20)), 6)  # more columns than rows
    yw = np.round(Xw[:, :3] @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=12), 6)
    sets = {
        "diabetes": (diabetes.data, diabetes.target),
        "make_regression": (Xr, np.round(yr, 6)),
        "collinear": (Xc, np.round(yr, 6)),
        "wide": (Xw, yw),
    }
    specs = []
    for data in ["diabetes", "make_regression", "collinear", "wide"]:
        specs += [
            dict(name=f"{data}_ols", data=data, model="linear"),
            dict(name=f"{data}_ols_weighted", data=data, model="linear", weighted=True),
            dict(name=f"{data}_ols_nointercept", data=data, model="linear", fit_intercept=False),
            dict(name=f"{data}_ridge1", data=data, model="ridge", alpha=1.0),
            dict(name=f"{data}_ridge0.01_weighted", data=data, model="ridge", alpha=0.01, weighted=True),
            dict(name=f"{data}_ridge10_nointercept_weighted", data=data, model="ridge", alpha=10.0,
                 fit_intercept=False, weighted=True),
        ]
    cases = []
    for s in specs:
        X, y = sets[s["data"]]
        sw = weights(len(y), 13) if s.get("weighted") else None
        fi = s.get("fit_intercept", True)
        if s["model"] == "linear":
            model = LinearRegression(fit_intercept=fi).fit(X, y, sample_weight=sw)
        else:
            model = Ridge(alpha=s["alpha"], fit_intercept=fi).fit(X, y, sample_weight=sw)
        rec = dict(s)
        rec.update(coef=model.coef_, intercept=float(model.intercept_), pred=model.predict(X))
        if s["model"] == "linear":
            rec["rank"] = int(model.rank_)
        cases.append(rec)
    data = {k: dict(X=X, y=y, weights=weights(len(y), 13)) for k, (X, y) in sets.items()}
    write("linear_tasks_regression.json", dict(data=data, cases=cases))


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    multiclass()
    regression()


if __name__ == "__main__":
    main()
