"""Writes the scikit-learn reference fixtures for Weir's ml/transform tests.

Run with the project virtualenv from the repository root:

    /work/venv/bin/python tests/reference/gen_transform.py

Each fixture holds fixed inputs and what scikit-learn computes from them.
The output must be byte-identical on every run (CI reruns this script and
fails on any diff), so inputs come from seeded generators, floats are written
with repr (json's default), keys are sorted, and NaN is written as null.
"""

import json
import math
import os
import warnings

import numpy as np
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (
    KBinsDiscretizer,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
    TargetEncoder,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def clean(v):
    """Converts numpy values to JSON-ready Python values, NaN to None."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.str_):
        return str(v)
    return v


def write(name, doc):
    doc["sklearn_version"] = sklearn.__version__
    path = os.path.join(OUT, "transform_%s.json" % name)
    with open(path, "w") as f:
        json.dump(clean(doc), f, sort_keys=True, indent=1, allow_nan=False)
        f.write("\n")


def numeric_inputs():
    rng = np.random.RandomState(7)
    n = 40
    a = np.round(rng.normal(50, 12, n), 3)
    b = np.round(rng.exponential(1000, n), 2) - 200  # skewed, some negative
    c = rng.randint(0, 4, n).astype(float)  # few distinct values, ties
    d = np.full(n, 3.25)  # constant
    X = np.column_stack([a, b, c, d])
    X[[2, 9, 30], 0] = np.nan
    X[[5], 1] = np.nan
    X[[1, 11, 12], 2] = np.nan
    return X


def columns_doc(X, names):
    return {name: X[:, j] for j, name in enumerate(names)}


def scalers():
    X = numeric_inputs()
    names = ["a", "b", "c", "d"]
    ss = StandardScaler().fit(X)
    rs = RobustScaler().fit(X)
    rs2 = RobustScaler(quantile_range=(10.0, 90.0)).fit(X)
    write("scalers", {
        "columns": columns_doc(X, names),
        "names": names,
        "standard": {"mean": ss.mean_, "scale": ss.scale_, "output": columns_doc(ss.transform(X), names)},
        "robust": {"center": rs.center_, "scale": rs.scale_, "output": columns_doc(rs.transform(X), names)},
        "robust_10_90": {"center": rs2.center_, "scale": rs2.scale_, "output": columns_doc(rs2.transform(X), names)},
    })


def imputers():
    X = numeric_inputs()[:, :3]
    names = ["a", "b", "c"]
    out = {}
    for strategy in ["mean", "median", "most_frequent"]:
        imp = SimpleImputer(strategy=strategy).fit(X)
        out[strategy] = {"statistics": imp.statistics_, "output": columns_doc(imp.transform(X), names)}
    imp = SimpleImputer(strategy="constant", fill_value=-1.5).fit(X)
    out["constant"] = {"statistics": imp.statistics_, "output": columns_doc(imp.transform(X), names)}
    # Categorical: ties broken towards the smallest string.
    cats = np.array(["red", "blue", np.nan, "green", "blue", "red", np.nan, "green", "amber"], dtype=object)
    text = {}
    for strategy, kw in [("most_frequent", {}), ("constant", {"fill_value": "none"})]:
        imp = SimpleImputer(strategy=strategy, **kw).fit(cats.reshape(-1, 1))
        text[strategy] = {"statistic": str(imp.statistics_[0]), "output": [str(v) for v in imp.transform(cats.reshape(-1, 1))[:, 0]]}
    out["text_input"] = [None if isinstance(v, float) else v for v in cats]
    out["text"] = text
    write("imputer", {"columns": columns_doc(X, names), "names": names, "numeric": out})


def category_inputs():
    rng = np.random.RandomState(11)
    levels = np.array(["admin.", "blue-collar", "entrepreneur", "housemaid", "management", "retired", "student"])
    p = np.array([0.3, 0.25, 0.05, 0.04, 0.2, 0.1, 0.06])
    train = levels[rng.choice(len(levels), size=60, p=p)]
    test = np.array(["admin.", "student", "unseen-job", "housemaid", "management", "entrepreneur", "retired"])
    return train, test


def onehot():
    train, test = category_inputs()
    cases = {}
    for key, mf in [("none", None), ("count_5", 5), ("fraction_0_1", 0.1)]:
        enc = OneHotEncoder(handle_unknown="ignore", min_frequency=mf, sparse_output=False)
        enc.fit(train.reshape(-1, 1))
        infrequent = enc.infrequent_categories_[0] if mf is not None else None
        cases[key] = {
            "min_frequency": mf,
            "feature_names": [str(s) for s in enc.get_feature_names_out(["job"])],
            "infrequent": [] if infrequent is None else [str(s) for s in infrequent],
            "train_output": enc.transform(train.reshape(-1, 1)).T,
            "test_output": enc.transform(test.reshape(-1, 1)).T,
        }
    write("onehot", {"train": train, "test": test, "cases": cases})


def ordinal():
    train, test = category_inputs()
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(train.reshape(-1, 1))
    enc_nan = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan).fit(train.reshape(-1, 1))
    write("ordinal", {
        "train": train,
        "test": test,
        "categories": [str(s) for s in enc.categories_[0]],
        "test_output_unknown_minus_1": enc.transform(test.reshape(-1, 1))[:, 0],
        "test_output_unknown_nan": enc_nan.transform(test.reshape(-1, 1))[:, 0],
    })


def kbins():
    X = numeric_inputs()[:, :3]
    X = X[~np.isnan(X).any(axis=1)]  # KBinsDiscretizer rejects NaN
    names = ["a", "b", "c"]
    cases = {}
    for method in ["averaged_inverted_cdf", "linear", "inverted_cdf"]:
        for n_bins in [3, 5]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # bins dropped on the tied column
                kb = KBinsDiscretizer(n_bins=n_bins, encode="ordinal", strategy="quantile", quantile_method=method)
                kb.fit(X)
            cases["%s_%d" % (method, n_bins)] = {
                "method": method,
                "n_bins": n_bins,
                "edges": [e for e in kb.bin_edges_],
                "output": columns_doc(kb.transform(X), names),
            }
    write("kbins", {"columns": columns_doc(X, names), "names": names, "cases": cases})


def target():
    rng = np.random.RandomState(5)
    train, test = category_inputs()
    rate = {"admin.": 0.1, "blue-collar": 0.05, "entrepreneur": 0.2, "housemaid": 0.5, "management": 0.15, "retired": 0.4, "student": 0.6}
    y_bin = np.array([1.0 if rng.rand() < rate[c] else 0.0 for c in train])
    y_cont = np.round(np.array([rate[c] * 100 + rng.normal(0, 10) for c in train]), 3)
    cases = {}
    for yname, y, ttype in [("binary", y_bin, "binary"), ("continuous", y_cont, "continuous")]:
        for sname, smooth in [("auto", "auto"), ("smooth_2", 2.0), ("smooth_0", 0.0)]:
            enc = TargetEncoder(smooth=smooth, target_type=ttype, random_state=0).fit(train.reshape(-1, 1), y)
            cases["%s_%s" % (yname, sname)] = {
                "y": yname,
                "smooth": None if smooth == "auto" else smooth,
                "categories": [str(s) for s in enc.categories_[0]],
                "encodings": enc.encodings_[0],
                "target_mean": enc.target_mean_,
                "test_output": enc.transform(test.reshape(-1, 1))[:, 0],
            }
    write("target", {"train": train, "test": test, "y": {"binary": y_bin, "continuous": y_cont}, "cases": cases})


def main():
    os.makedirs(OUT, exist_ok=True)
    scalers()
    imputers()
    onehot()
    ordinal()
    kbins()
    target()


if __name__ == "__main__":
    main()
