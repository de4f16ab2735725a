"""Reference LightGBM models and predictions for mlmodel/lightgbm.

Trains small LightGBM models, saves each with mlflow.lightgbm.save_model,
and writes to fixtures/lightgbm/<case>/:

  MLmodel        the MLmodel file mlflow wrote, minus the keys that change
                 from run to run or machine to machine (time, uuids, sizes,
                 versions of Python and mlflow)
  model.lgb      LightGBM's text model, as mlflow saved it
  expected.json  test rows and LightGBM's predictions on them: "raw"
                 (predict(raw_score=True)) and "predict" (predict()), one
                 list per row, computed in-process on the training Booster;
                 numbers as in the rows, non-finite ones as strings

For LightGBM's scikit-learn classifiers (sklearn_*) it writes model.txt,
the Booster text their skops files hold, and in expected.json the
wrapper's labels and probabilities.

Test rows carry edge cases: NaN and None, values exactly on split
thresholds, zeros and values within LightGBM's zero threshold, +-inf,
unseen and missing categories. In expected.json a numeric cell is a number,
null (None) or one of the strings "NaN", "Infinity", "-Infinity"; a
categorical cell is a string or null.

Everything is deterministic (fixed seeds, one thread, deterministic=True),
so CI reruns this script and diffs the fixtures.

Usage: python tests/reference/gen_lightgbm_models.py
"""

import json
import math
import pathlib
import shutil
import tempfile

import lightgbm as lgb
import mlflow.lightgbm
import mlflow.pyfunc
import numpy as np
import pandas as pd
import yaml
from mlflow.models import infer_signature
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_regression

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "fixtures" / "lightgbm"

COMMON = {"num_threads": 1, "deterministic": True, "verbose": -1, "seed": 1}

# MLmodel keys that differ between runs or machines.
VOLATILE = {"utc_time_created", "model_uuid", "model_id", "mlflow_version", "model_size_bytes"}


def cell(x):
    """One test-row cell as expected.json holds it."""
    if x is None:
        return None
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def floats(a):
    return [cell(v) for v in np.atleast_1d(a)]


def normalise_mlmodel(path):
    doc = yaml.safe_load(path.read_text())
    for k in VOLATILE:
        doc.pop(k, None)
    flavors = doc.get("flavors", {})
    flavors.get("python_function", {}).pop("python_version", None)
    lgb_flavor = flavors.get("lightgbm", {})
    if "skops_trusted_types" in lgb_flavor:  # mlflow lists them from a set
        lgb_flavor["skops_trusted_types"] = sorted(lgb_flavor["skops_trusted_types"])
    path.write_text(yaml.safe_dump(doc, default_flow_style=False, sort_keys=True))


def thresholds(booster, feature):
    """Numerical split thresholds the model uses on feature (an index)."""
    out = []

    def walk(node):
        if "split_index" not in node:
            return
        if node["split_feature"] == feature and node["decision_type"] == "<=":
            out.append(float(node["threshold"]))
        walk(node["left_child"])
        walk(node["right_child"])

    for t in booster.dump_model()["tree_info"]:
        walk(t["tree_structure"])
    return sorted(set(out))


def save(name, booster, train_df, test_df, signature=True, note="", pyfunc_check=True):
    """Saves booster with mlflow and writes the expected predictions."""
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp) / "model"
        sig = infer_signature(train_df, booster.predict(train_df)) if signature else None
        mlflow.lightgbm.save_model(booster, str(tmp), signature=sig if sig else False)
        if pyfunc_check:
            got = np.asarray(mlflow.pyfunc.load_model(str(tmp)).predict(test_df))
            want = booster.predict(test_df)
            assert np.array_equal(got, want, equal_nan=True), name
        d.mkdir(parents=True)
        shutil.copy(tmp / "MLmodel", d / "MLmodel")
        shutil.copy(tmp / "model.lgb", d / "model.lgb")
        normalise_mlmodel(d / "MLmodel")
    raw = booster.predict(test_df, raw_score=True)
    pred = booster.predict(test_df)
    n = len(test_df)
    rows = [[cell(None if v is None or v is pd.NA else v) for v in test_df.iloc[i].tolist()] for i in range(n)]
    raw = np.asarray(raw).reshape(n, -1)
    pred = np.asarray(pred).reshape(n, -1)
    expected = {
        "note": note,
        "columns": [str(c) for c in test_df.columns],
        "rows": rows,
        "raw": [floats(r) for r in raw],
        "predict": [floats(r) for r in pred],
    }
    (d / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def edge_rows(booster, X, n_plain=6):
    """Test rows: a few real rows, then rows with features set exactly on
    thresholds, to zero, to a tiny value, to NaN and to +-inf."""
    rows = [X.iloc[i].tolist() for i in range(n_plain)]
    base = X.iloc[0].tolist()
    for j in range(min(X.shape[1], 6)):
        for t in thresholds(booster, j)[:2]:
            r = list(base)
            r[j] = t
            rows.append(r)
    for v in (0.0, -0.0, 1e-36, float("nan"), float("inf"), float("-inf")):
        r = list(base)
        r[0] = v
        r[1] = v
        rows.append(r)
    return pd.DataFrame(rows, columns=X.columns)


def train(params, X, y, rounds, **kw):
    return lgb.train({**COMMON, **params}, lgb.Dataset(X, y, **kw), rounds)


def binary():
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :8].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    b = train({"objective": "binary", "num_leaves": 6}, X, data.target, 12)
    save("binary", b, X, edge_rows(b, X), note="breast_cancer, 8 features, 12 trees")


def random_forest():
    """boosting=rf averages its trees (average_output) before the sigmoid."""
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :8].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    b = train({"objective": "binary", "boosting": "rf", "num_leaves": 6, "bagging_fraction": 0.7,
               "bagging_freq": 1, "feature_fraction": 0.8}, X, data.target, 8)
    save("random_forest", b, X, edge_rows(b, X), note="breast_cancer, boosting=rf, 8 trees")


def multiclass():
    data = load_iris(as_frame=True)
    X = data.data.copy()
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    b = train({"objective": "multiclass", "num_class": 3, "num_leaves": 4}, X, data.target, 6)
    save("multiclass", b, X, edge_rows(b, X), note="iris, softmax, 6 iterations x 3 trees")
    b = train({"objective": "multiclassova", "num_class": 3, "num_leaves": 4, "sigmoid": 1.5}, X, data.target, 5)
    save("multiclassova", b, X, edge_rows(b, X), note="iris, one-vs-all with sigmoid 1.5")


def regressions():
    data = load_diabetes(as_frame=True)
    X, y = data.data, data.target
    cases = [
        ("regression_l2", {"objective": "regression"}, y),
        ("regression_l1", {"objective": "regression_l1"}, y),
        ("huber", {"objective": "huber", "alpha": 20.0}, y),
        ("quantile", {"objective": "quantile", "alpha": 0.7}, y),
        ("poisson", {"objective": "poisson"}, y),
        ("gamma", {"objective": "gamma"}, y),
        ("tweedie", {"objective": "tweedie", "tweedie_variance_power": 1.3}, y),
        ("cross_entropy", {"objective": "cross_entropy"}, (y - y.min()) / (y.max() - y.min())),
        ("regression_sqrt", {"objective": "regression", "reg_sqrt": True}, y),
    ]
    for name, params, target in cases:
        b = train({**params, "num_leaves": 5}, X, target, 8)
        save(name, b, X, edge_rows(b, X), signature=name == "regression_l2", note=f"diabetes, {params}")


def missing():
    """Regression on features with NaNs, and the same data with zeros
    treated as missing, and with missing-value handling off."""
    X, y = make_regression(n_samples=300, n_features=4, noise=1.0, random_state=3)
    rng = np.random.RandomState(4)
    X[rng.rand(300) < 0.25, 0] = np.nan
    X[rng.rand(300) < 0.3, 1] = 0.0
    X[rng.rand(300) < 0.2, 2] = np.nan
    X[rng.rand(300) < 0.2, 2] = 0.0
    df = pd.DataFrame(X, columns=["f0", "f1", "f2", "f3"])
    for name, params in [
        ("missing_nan", {}),
        ("zero_as_missing", {"zero_as_missing": True}),
        ("use_missing_false", {"use_missing": False}),
    ]:
        b = train({"objective": "regression", "num_leaves": 8, "min_data_in_leaf": 5, **params}, df, y, 10)
        save(name, b, df, edge_rows(b, df, n_plain=10), note=f"make_regression with NaNs and zeros, {params}")


def pandas_categorical():
    """Binary model on a DataFrame with two category columns (strings, and
    an integer-valued category column) beside numeric ones."""
    rng = np.random.RandomState(5)
    n = 400
    colour = rng.choice(["red", "green", "blue", "black", "white", "grey"], n)
    size = rng.choice([3, 5, 7, 9, 11], n)
    x = rng.randn(n)
    z = rng.randn(n)
    logit = x + np.where(np.isin(colour, ["red", "grey", "white"]), 1.5, -1.0) + (size == 7) * 2.0 - 1.0
    y = (logit + 0.3 * rng.randn(n) > 0).astype(int)
    df = pd.DataFrame({
        "x": x,
        "colour": pd.Categorical(colour, categories=["black", "blue", "green", "grey", "red", "white"]),
        "size": pd.Categorical(size),
        "z": z,
    })
    b = train({"objective": "binary", "num_leaves": 6, "min_data_per_group": 10, "cat_smooth": 1.0,
               "max_cat_to_onehot": 2}, df, y, 10)
    test_colours = ["red", "green", "blue", "black", "white", "grey", "purple", None, "Red", ""]
    test_sizes = [3, 5, 7, 9, 11, 13, None, 7, 3, 5]
    test = pd.DataFrame({
        "x": [0.1, -0.5, 1.2, 0.0, float("nan"), -2.0, 0.3, 0.7, 0.2, 1.0],
        "colour": pd.Categorical(test_colours, categories=df.colour.cat.categories),
        "size": pd.Categorical(test_sizes, categories=df["size"].cat.categories),
        "z": [0.0, 1.0, -1.0, 0.5, 0.2, float("nan"), 0.0, 1.0, -0.3, 0.4],
    })
    save("pandas_categorical", b, df, test, pyfunc_check=False,
         note="category columns: colour (strings), size (integers); rows hold the raw values")
    # The rows as a request carries them: strings and numbers, not codes.
    path = OUT / "pandas_categorical" / "expected.json"
    doc = json.loads(path.read_text())
    for i, r in enumerate(doc["rows"]):
        r[1] = test_colours[i]
        r[2] = None if test_sizes[i] is None else test_sizes[i]
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def integer_categorical():
    """Categorical feature given by index on a numpy array: codes are
    floats, negative and NaN go right, as do codes the model never saw."""
    rng = np.random.RandomState(6)
    n = 400
    code = rng.randint(0, 8, n).astype(float)
    x = rng.randn(n)
    y = x + np.where(np.isin(code, [1, 4, 6]), 2.0, -1.0) + 0.1 * rng.randn(n)
    X = np.column_stack([x, code])
    b = lgb.train({**COMMON, "objective": "regression", "num_leaves": 6, "min_data_per_group": 10,
                   "max_cat_to_onehot": 2, "cat_smooth": 1.0},
                  lgb.Dataset(X, y, categorical_feature=[1]), 8)
    test = pd.DataFrame({
        "Column_0": [0.1, -0.2, 0.3, 0.0, 1.0, -1.0, 0.5, 0.5, 0.5, 0.5, 0.5],
        "Column_1": [0, 1, 4, 6, 7, 8, -1, float("nan"), 4.7, 1e10, 31],
    })
    # Predictions on the numpy array, as the model was trained.
    save("integer_categorical", b, pd.DataFrame(X, columns=["Column_0", "Column_1"]), test, signature=False,
         note="numpy array, categorical_feature=[1]")


def early_stopped():
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :6].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    y = data.target
    tr, va = slice(0, 350), slice(350, None)
    b = lgb.train({**COMMON, "objective": "binary", "num_leaves": 8, "learning_rate": 0.3},
                  lgb.Dataset(X[tr], y[tr]), 60, valid_sets=[lgb.Dataset(X[va], y[va])],
                  callbacks=[lgb.early_stopping(3, verbose=False)], keep_training_booster=True)
    assert 0 < b.best_iteration < b.current_iteration(), (b.best_iteration, b.current_iteration())
    save("early_stopped", b, X, edge_rows(b, X),
         note=f"trained {b.current_iteration()} iterations, best_iteration {b.best_iteration}")


def linear_tree():
    X, y = make_regression(n_samples=200, n_features=3, noise=0.5, random_state=7)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    b = train({"objective": "regression", "linear_tree": True, "num_leaves": 4}, df, y, 5)
    save("linear_tree", b, df, edge_rows(b, df), note="linear_tree=True")


def float32_inputs():
    """A model trained on float32 columns, whose signature types them
    "float": pyfunc hands LightGBM float32 values, so a request's doubles
    just either side of a threshold score as their float32 roundings do.
    The rows hold the doubles; predictions are on the float32 frame."""
    data = load_diabetes(as_frame=True)
    X = data.data.iloc[:, :4].astype(np.float32)
    b = train({"objective": "regression", "num_leaves": 5}, X, data.target, 6)
    rows = []
    base = X.iloc[0].astype(float).tolist()
    for j in range(X.shape[1]):
        for t in thresholds(b, j)[:3]:
            for v in (t * (1 + 1e-12), t * (1 - 1e-12), t):
                r = list(base)
                r[j] = v
                rows.append(r)
    test = pd.DataFrame(rows, columns=X.columns)
    save("float32_inputs", b, X, test.astype(np.float32), note="float32 columns, signature type float")
    path = OUT / "float32_inputs" / "expected.json"
    doc = json.loads(path.read_text())
    doc["rows"] = [[cell(v) for v in r] for r in rows]
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def sklearn_api():
    """LightGBM's scikit-learn classifiers, whose skops files keep the
    Booster as model_to_string(num_iteration=-1) text beside classes_ and
    best_iteration_. Writes that text as model.txt and the wrapper's
    predict (labels) and predict_proba on the test rows."""
    iris = load_iris(as_frame=True)
    X = iris.data.copy()
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    y = iris.target_names[iris.target]
    clf = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, **COMMON).fit(X, y)
    write_sklearn("sklearn_multiclass", clf, edge_rows(clf.booster_, X))

    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :6].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    y = data.target
    clf = lgb.LGBMClassifier(n_estimators=60, num_leaves=8, learning_rate=0.3, **COMMON)
    clf.fit(X[:350], y[:350], eval_X=X[350:], eval_y=y[350:], callbacks=[lgb.early_stopping(3, verbose=False)])
    assert 0 < clf.best_iteration_ <= clf.booster_.current_iteration()
    write_sklearn("sklearn_binary", clf, edge_rows(clf.booster_, X))


def write_sklearn(name, clf, test):
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    (d / "model.txt").write_text(clf.booster_.model_to_string(num_iteration=-1))
    n = len(test)
    expected = {
        "note": f"{type(clf).__name__}, best_iteration_ {clf.best_iteration_}",
        "best_iteration": int(clf.best_iteration_ or 0),
        "classes": [c.item() if hasattr(c, "item") else c for c in clf.classes_],
        "columns": [str(c) for c in test.columns],
        "rows": [[cell(v) for v in test.iloc[i].tolist()] for i in range(n)],
        "labels": [c.item() if hasattr(c, "item") else c for c in clf.predict(test)],
        "proba": [floats(r) for r in clf.predict_proba(test)],
    }
    (d / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    binary()
    random_forest()
    multiclass()
    regressions()
    missing()
    pandas_categorical()
    integer_categorical()
    early_stopped()
    linear_tree()
    float32_inputs()
    sklearn_api()


if __name__ == "__main__":
    main()
