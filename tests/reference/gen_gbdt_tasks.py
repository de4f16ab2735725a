"""Reference scores for Weir's GBDT multiclass and regression objectives.

Trains LightGBM (multiclass softmax; regression, regression_l1, huber) on
small data sets and writes the test rows' raw scores to
fixtures/gbdt_tasks.json, which ml/gbdt's reference tests compare with.
The output is deterministic (one thread, deterministic=True), so CI reruns
this script and diffs the fixture.

Data: iris, wine and the first 600 digits (features stored in the fixture),
and the generated set of gen_gbdt.py (7 columns, one with 20% missing
values, one categorical; rebuilt in Go from the same LCG), with classes cut
at the target's quartiles and labels rounded to float32, the precision
LightGBM keeps labels in. Test rows are every fifth row of the small sets
and rows 4000-4299 of the generated one. Cases marked "weighted" weight
the training rows 0.5, 1.5, 2.5 in turn.

Binary cases on the generated set (the top two classes against the rest)
and, when the bank-marketing CSV is found (as for gen_gbdt.py), the bank
settings of gen_gbdt.py scored on the first 2,000 test rows
(fixtures/gbdt_tasks_bank.json) record where the binary objective stands.

Usage: python tests/reference/gen_gbdt_tasks.py
"""

import json
import pathlib
import sys

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_diabetes, load_digits, load_iris, load_wine

import gen_gbdt
from gen_gbdt import COMMON, regression_data

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "fixtures"

GEN_TRAIN, GEN_TEST = 4000, 300

MULTICLASS_CASES = [
    ("iris", "iris", {}),
    ("wine", "wine", {"num_leaves": 7, "min_data_in_leaf": 5}),
    ("iris_empty_class", "iris", {"num_class": 4, "n_estimators": 20}),
    ("iris_empty_class_no_average", "iris", {"num_class": 4, "n_estimators": 20,
                                             "boost_from_average": False}),
    ("digits600", "digits", {"n_estimators": 30, "min_data_in_leaf": 10}),
    ("generated", "generated", {}),
    ("generated_bagging", "generated", {"bagging_fraction": 0.8, "bagging_freq": 1,
                                        "feature_fraction": 0.7, "seed": 7,
                                        "n_estimators": 50}),
    ("generated_regularised", "generated", {"lambda_l1": 0.5, "lambda_l2": 2.0, "max_depth": 4,
                                            "n_estimators": 50, "learning_rate": 0.2}),
    ("generated_weighted", "generated", {"n_estimators": 40, "weighted": True}),
]

BINARY_CASES = [
    ("defaults", {}),
    ("bagging", {"bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.7, "seed": 7}),
    ("unbalanced_regularised", {"is_unbalance": True, "lambda_l1": 0.5, "lambda_l2": 2.0,
                                "max_depth": 5, "n_estimators": 60}),
]

# Bank cases as in gen_gbdt.py, scored on the first BANK_TEST test rows.
BANK_TEST = 2000

REGRESSION_CASES = [
    ("l2", "generated", {"objective": "regression"}),
    ("l1", "generated", {"objective": "regression_l1"}),
    ("l1_bagging", "generated", {"objective": "regression_l1", "bagging_fraction": 0.7,
                                 "bagging_freq": 2, "seed": 3, "n_estimators": 50}),
    ("huber", "generated", {"objective": "huber"}),
    ("huber_alpha2", "generated", {"objective": "huber", "alpha": 2.0, "num_leaves": 15}),
    ("l1_weighted", "generated", {"objective": "regression_l1", "n_estimators": 40, "weighted": True}),
    ("huber_weighted", "generated", {"objective": "huber", "n_estimators": 40, "weighted": True}),
    ("diabetes_l2", "diabetes", {"objective": "regression", "min_data_in_leaf": 10}),
    ("diabetes_l1", "diabetes", {"objective": "regression_l1", "min_data_in_leaf": 10}),
    ("diabetes_huber", "diabetes", {"objective": "huber", "alpha": 30.0, "min_data_in_leaf": 10}),
]


def small_sets():
    """The sklearn sets: X, y and the train/test split (every fifth row tests)."""
    digits = load_digits()
    sets = {"iris": load_iris(return_X_y=True), "wine": load_wine(return_X_y=True),
            "digits": (digits.data[:600], digits.target[:600]),
            "diabetes": load_diabetes(return_X_y=True, scaled=False)}
    return {name: (np.asarray(X, dtype=float), np.asarray(y, dtype=float)) for name, (X, y) in sets.items()}


def compact(a):
    """A list for JSON, whole numbers written without a fraction."""
    return a.astype(int).tolist() if np.all(a == np.round(a)) else a.tolist()


def generated():
    X, y = regression_data(GEN_TRAIN + GEN_TEST)
    y = y.astype(np.float32).astype(float)
    cuts = np.quantile(y[:GEN_TRAIN], [0.25, 0.5, 0.75])
    classes = np.searchsorted(cuts, y, side="right").astype(float)
    return X, y, classes


def weights(n):
    """Row weights 0.5, 1.5, 2.5, 0.5, ... for the cases marked "weighted"."""
    return 0.5 + np.arange(n) % 3


def split(n):
    test = np.arange(n) % 5 == 0
    return ~test, test


def train(params, X, y, cat):
    p = dict(COMMON, **params)
    w = weights(len(y)) if p.pop("weighted", False) else None
    return lgb.train(p, lgb.Dataset(X, label=y, weight=w, categorical_feature=cat, free_raw_data=False))


def scores(model, X):
    raw = model.predict(X, raw_score=True)
    return [float(v) for v in np.asarray(raw).ravel()]


def main():
    FIXTURES.mkdir(exist_ok=True)
    sets = small_sets()
    gX, gy, gclasses = generated()
    gtr, gte = slice(0, GEN_TRAIN), slice(GEN_TRAIN, GEN_TRAIN + GEN_TEST)
    out = {"lightgbm_version": lgb.__version__, "generated_train": GEN_TRAIN, "generated_test": GEN_TEST,
           "generated_classes": [int(c) for c in gclasses],
           "data": {name: {"X": compact(X), "y": compact(y)} for name, (X, y) in sets.items()},
           "multiclass": [], "regression": []}
    for name, data, params in MULTICLASS_CASES:
        if data == "generated":
            k = 4
            model = train(dict(params, objective="multiclass", num_class=k), gX[gtr], gclasses[gtr], [6])
            raw = scores(model, gX[gte])
        else:
            X, y = sets[data]
            k = params.get("num_class", int(y.max()) + 1)
            tr, te = split(len(y))
            model = train(dict(params, objective="multiclass", num_class=k), X[tr], y[tr], [])
            raw = scores(model, X[te])
        out["multiclass"].append({"name": name, "data": data, "num_class": k, "params": params,
                                  "trees": model.num_trees(), "raw": raw})
    for name, data, params in REGRESSION_CASES:
        if data == "generated":
            model = train(params, gX[gtr], gy[gtr], [6])
            raw = scores(model, gX[gte])
        else:
            X, y = sets[data]
            tr, te = split(len(y))
            model = train(params, X[tr], y[tr], [])
            raw = scores(model, X[te])
        out["regression"].append({"name": name, "data": data, "params": params,
                                  "trees": model.num_trees(), "raw": raw})
    out["binary"] = []
    gbinary = (gclasses >= 2).astype(float)
    for name, params in BINARY_CASES:
        model = train(dict(params, objective="binary"), gX[gtr], gbinary[gtr], [6])
        out["binary"].append({"name": name, "data": "generated", "params": params,
                              "trees": model.num_trees(), "raw": scores(model, gX[gte])})
    write("gbdt_tasks.json", out)

    path = gen_gbdt.bank_path()
    if not path.exists():
        print(f"bank data not found at {path}: gbdt_tasks_bank.json not regenerated", file=sys.stderr)
        return
    X, y, cat = gen_gbdt.load_bank(path)
    n = gen_gbdt.BANK_TRAIN_ROWS
    cases = []
    for name, params in gen_gbdt.BANK_CASES:
        model = train(dict(params, objective="binary"), X[:n], y[:n], cat)
        cases.append({"name": name, "params": params, "trees": model.num_trees(),
                      "raw": scores(model, X[n:n + BANK_TEST])})
    write("gbdt_tasks_bank.json", {"lightgbm_version": lgb.__version__, "train_rows": n,
                                   "test_rows": BANK_TEST, "binary": cases})


def write(name, obj):
    path = FIXTURES / name
    path.write_text(json.dumps(obj, sort_keys=True) + "\n")
    print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
