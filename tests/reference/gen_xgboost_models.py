"""Reference models and predictions for Weir's XGBoost scorer (mlmodel/xgboost).

Trains small XGBoost models (few trees, shallow), saves each with
mlflow.xgboost.save_model in both UBJSON and JSON, and writes to
fixtures/xgboost/<case>_<format>/:

  MLmodel        mlflow's file without its run- and time-dependent keys
  model.ubj|json the model file exactly as mlflow saved it
  expected.json  test rows and what Python predicts for them: the pyfunc
                 predict (or the error it raises), the in-process predict,
                 predict_proba for classifiers and the raw margins

Test rows hold edge cases: NaN, features exactly on split thresholds and one
float64 step below them (which float32 rounds back onto the threshold), one
float32 step below, ±inf for the scikit-learn models (whose inplace predict
reads them; a DMatrix refuses them), and unseen categories.

Everything runs on one thread with fixed seeds, so the files are byte-stable
and CI reruns this script and diffs them.

Usage: python tests/reference/gen_xgboost_models.py
"""

import json
import pathlib
import re
import shutil
import tempfile
import warnings

import mlflow
import mlflow.xgboost
import numpy as np
import pandas as pd
import xgboost as xgb
import yaml
from mlflow.models import infer_signature
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "xgboost"
FORMATS = ["ubj", "json"]
COMMON = {"nthread": 1, "seed": 0, "tree_method": "hist"}

# MLmodel keys that change from run to run or machine to machine.
VOLATILE = ["utc_time_created", "model_uuid", "mlflow_version", "model_id", "run_id",
            "model_size_bytes", "databricks_runtime"]

warnings.filterwarnings("ignore")


def frame(X, names):
    return pd.DataFrame(np.asarray(X, dtype=float), columns=names)


def thresholds(booster, limit=6):
    """(feature index, threshold) of the first numerical splits of the model."""
    model = json.loads(bytes(booster.save_raw("json")))
    gb = model["learner"]["gradient_booster"]
    trees = (gb["gbtree"] if gb["name"] == "dart" else gb)["model"]["trees"]
    out = []
    for t in trees:
        for i, left in enumerate(t["left_children"]):
            if left != -1 and t["split_type"][i] == 0:
                out.append((t["split_indices"][i], t["split_conditions"][i]))
    seen, uniq = set(), []
    for f, c in out:
        if (f, c) not in seen:
            seen.add((f, c))
            uniq.append((f, c))
    return uniq[:limit]


def edge_rows(df, booster, infinities):
    """Rows of df plus edge cases built from the model's own thresholds."""
    base = df.iloc[0].copy()
    rows = [df.iloc[i].copy() for i in range(min(8, len(df)))]
    for f, c in thresholds(booster):
        t = np.float32(c)
        for v in (float(t), np.nextafter(float(t), -np.inf),
                  float(np.nextafter(t, np.float32(-np.inf)))):
            r = base.copy()
            r.iloc[f] = v
            rows.append(r)
    r = base.copy()
    r[:] = np.nan
    rows.append(r)
    for j in range(0, len(base), 2):
        r = df.iloc[1].copy()
        r.iloc[j] = np.nan
        rows.append(r)
    if infinities:
        for v in (np.inf, -np.inf):
            r = base.copy()
            r.iloc[0] = v
            rows.append(r)
    return pd.DataFrame(rows).reset_index(drop=True)


def cell(v):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and np.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if isinstance(v, (np.integer, int)):
        return int(v)
    return float(v)


def numbers(a):
    a = np.asarray(a)
    return [numbers(x) for x in a] if a.ndim > 1 else [float(x) for x in a]


def normalise_mlmodel(path):
    m = yaml.safe_load(path.read_text())
    for k in VOLATILE:
        m.pop(k, None)
    pf = m["flavors"].get("python_function", {})
    pf.pop("env", None)
    pf.pop("python_version", None)
    m["flavors"]["xgboost"].pop("code", None)
    path.write_text(yaml.safe_dump(m, sort_keys=True, default_flow_style=False))


def save_case(name, model, df_train, df_test, kind, signature=True):
    """Saves model in both formats and writes its expected predictions."""
    booster = model.get_booster() if isinstance(model, xgb.XGBModel) else model
    if kind == "booster":
        dtest = xgb.DMatrix(df_test, enable_categorical=True)
        predict = booster.predict(dtest)
        margin = booster.predict(dtest, output_margin=True)
        proba = None
    else:
        predict = model.predict(df_test)
        margin = model.predict(df_test, output_margin=True)
        proba = model.predict_proba(df_test) if kind == "classifier" else None
    sig = None
    if signature:
        sig = infer_signature(df_train.head(20), np.asarray(predict)[:20])
    for fmt in FORMATS:
        out = FIXTURES / f"{name}_{fmt}"
        if out.exists():
            shutil.rmtree(out)
        with tempfile.TemporaryDirectory() as tmp:
            d = pathlib.Path(tmp) / "m"
            mlflow.xgboost.save_model(model, str(d), signature=sig, model_format=fmt)
            expected = {
                "columns": list(df_test.columns),
                "rows": [[cell(v) for v in r] for r in df_test.itertuples(index=False)],
                "predict": numbers(predict),
                "margin": numbers(margin),
            }
            if proba is not None:
                expected["proba"] = numbers(proba)
            try:
                got = mlflow.pyfunc.load_model(str(d)).predict(df_test)
                expected["pyfunc"] = numbers(got)
            except Exception as e:  # noqa: BLE001 - recorded, not hidden
                expected["pyfunc_error"] = message(e)
            out.mkdir(parents=True)
            shutil.copy(d / "MLmodel", out / "MLmodel")
            shutil.copy(d / f"model.{fmt}", out / f"model.{fmt}")
            normalise_mlmodel(out / "MLmodel")
        write_expected(out / "expected.json", expected)


def message(e):
    """The first line of an exception, without XGBoost's "[hh:mm:ss] file:line:" prefix."""
    first = str(e).splitlines()[0]
    return re.sub(r"^\[\d\d:\d\d:\d\d\] \S+: ", "", first)[:200]


def write_expected(path, expected):
    """One line per key: small files whose diffs still say what changed."""
    lines = [f"{json.dumps(k)}: {json.dumps(expected[k])}" for k in sorted(expected)]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def with_nans(X, frac, seed):
    X = np.array(X, dtype=float)
    rng = np.random.default_rng(seed)
    X[rng.random(X.shape) < frac] = np.nan
    return X


def binary_cases():
    data = load_breast_cancer()
    X = with_nans(data.data[:, :8], 0.1, 1)
    names = [n.replace(" ", "_") for n in data.feature_names[:8]]
    df = frame(X, names)
    train, test = df.iloc[:400], df.iloc[400:]
    y = data.target[:400]
    clf = xgb.XGBClassifier(n_estimators=5, max_depth=3, n_jobs=1, random_state=0)
    clf.fit(train, y)
    save_case("binary_classifier", clf, train, edge_rows(test, clf.get_booster(), True), "classifier")

    dtrain = xgb.DMatrix(train, label=y)
    bst = xgb.train({**COMMON, "objective": "binary:logistic", "max_depth": 3}, dtrain, 5)
    save_case("binary_booster", bst, train, edge_rows(test, bst, False), "booster")


def multiclass_cases():
    data = load_iris()
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    X = with_nans(data.data, 0.05, 2)
    rng = np.random.default_rng(3)
    idx = rng.permutation(len(X))
    df = frame(X[idx], names)
    y = data.target[idx]
    train, test = df.iloc[:120], df.iloc[120:]
    bst = xgb.train({**COMMON, "objective": "multi:softprob", "num_class": 3, "max_depth": 2},
                    xgb.DMatrix(train, label=y[:120]), 3)
    save_case("multiclass_softprob", bst, train, edge_rows(test, bst, False), "booster")

    clf = xgb.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1, random_state=0)
    clf.fit(train, y[:120])
    save_case("multiclass_classifier", clf, train, edge_rows(test, clf.get_booster(), True), "classifier")

    bst = xgb.train({**COMMON, "objective": "multi:softmax", "num_class": 3, "max_depth": 2},
                    xgb.DMatrix(train, label=y[:120]), 2)
    save_case("multiclass_softmax", bst, train, edge_rows(test, bst, False), "booster")


def regression_cases():
    data = load_diabetes()
    names = list(data.feature_names)
    X = with_nans(data.data, 0.05, 4)
    df = frame(X, names)
    train, test = df.iloc[:350], df.iloc[350:]
    y = data.target
    reg = xgb.XGBRegressor(n_estimators=5, max_depth=3, n_jobs=1, random_state=0)
    reg.fit(train, y[:350])
    save_case("regression_squarederror", reg, train, edge_rows(test, reg.get_booster(), True), "regressor")

    bst = xgb.train({**COMMON, "objective": "reg:absoluteerror", "max_depth": 3},
                    xgb.DMatrix(train, label=y[:350]), 4)
    # No signature: inputs come from the model's feature names.
    save_case("regression_absoluteerror", bst, train, edge_rows(test, bst, False), "booster",
              signature=False)

    # Early stopping: XGBRegressor.predict stops at best_iteration.
    reg = xgb.XGBRegressor(n_estimators=25, max_depth=3, learning_rate=0.9, n_jobs=1,
                           random_state=0, early_stopping_rounds=2)
    reg.fit(train.iloc[:250], y[:250], eval_set=[(train.iloc[250:], y[250:350])], verbose=False)
    assert reg.best_iteration < reg.get_booster().num_boosted_rounds() - 1
    save_case("regression_early_stopping", reg, train, edge_rows(test, reg.get_booster(), True), "regressor")

    # A random forest: several parallel trees in one boosting round.
    rf = xgb.XGBRFRegressor(n_estimators=3, max_depth=3, n_jobs=1, random_state=0)
    rf.fit(train, y[:350])
    save_case("rf_regressor", rf, train, edge_rows(test, rf.get_booster(), True), "regressor")


def dart_cases():
    data = load_diabetes()
    names = list(data.feature_names)
    df = frame(data.data, names)
    train, test = df.iloc[:350], df.iloc[350:]
    y = data.target
    bst = xgb.train({**COMMON, "booster": "dart", "max_depth": 3, "rate_drop": 0.3,
                     "skip_drop": 0.0, "learning_rate": 0.5}, xgb.DMatrix(train, label=y[:350]), 6)
    save_case("dart_regression", bst, train, edge_rows(test, bst, False), "booster")

    X, yc = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=5)
    df = frame(with_nans(X, 0.05, 6), [f"x{i}" for i in range(6)])
    clf = xgb.XGBClassifier(booster="dart", n_estimators=5, max_depth=2, rate_drop=0.5,
                            skip_drop=0.0, n_jobs=1, random_state=0)
    clf.fit(df.iloc[:250], yc[:250])
    save_case("dart_classifier", clf, df.iloc[:250], edge_rows(df.iloc[250:], clf.get_booster(), True),
              "classifier")


def objective_cases():
    """Log-link, logistic-regression and raw-margin objectives (UBJSON and JSON)."""
    X, _ = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=7)
    df = frame(with_nans(X, 0.05, 8), [f"x{i}" for i in range(5)])
    rng = np.random.default_rng(9)
    lam = np.exp(0.5 * np.nan_to_num(X[:, 0]) + 0.3 * np.nan_to_num(X[:, 1]))
    labels = {
        "count:poisson": rng.poisson(lam).astype(float),
        "reg:gamma": rng.gamma(2.0, lam / 2.0),
        "reg:tweedie": rng.poisson(lam) * rng.gamma(2.0, 1.0, size=len(lam)),
        "reg:logistic": 1 / (1 + np.exp(-X[:, 0])),
        "binary:logitraw": (X[:, 0] + X[:, 2] > 0).astype(float),
    }
    train, test = df.iloc[:250], df.iloc[250:]
    for obj, y in labels.items():
        bst = xgb.train({**COMMON, "objective": obj, "max_depth": 2}, xgb.DMatrix(train, label=y[:250]), 3)
        save_case(obj.replace(":", "_"), bst, train, edge_rows(test, bst, False), "booster")


def categorical_cases():
    """pandas category columns of strings and of integers.

    XGBoost >= 3.1 stores the training categories in the model and re-codes
    a DataFrame's categories by value. A category not seen in training is an
    error in XGBoost >= 3.3; 3.2.0 raises only for one past the largest
    training category and silently gives an in-range one the code of the
    next larger category (fixed by dmlc/xgboost#12193). The test rows use
    seen categories and missing values; the unseen ones are listed apart
    with what 3.2.0 does with each.
    """
    rng = np.random.default_rng(10)
    n = 400
    colour = rng.choice(["red", "green", "blue", "amber", "violet"], n)
    size = rng.choice([3, 1, 7, 12], n)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    y = ((colour == "green") * 1.5 + (colour == "violet") * 1.0 + (size == 7) * 1.2
         + np.nan_to_num(x) + rng.normal(scale=0.5, size=n) > 1.2).astype(int)
    df = pd.DataFrame({"x": x, "colour": pd.Categorical(colour), "size": pd.Categorical(size)})
    clf = xgb.XGBClassifier(n_estimators=4, max_depth=3, n_jobs=1, random_state=0,
                            enable_categorical=True, max_cat_to_onehot=1)
    clf.fit(df, y)
    test = category_frame({
        "x": [0.5, -0.5, np.nan, 1.5, 0.0, 0.2, np.nan, -1.0, 0.8, 0.1],
        "colour": ["red", "green", "blue", "amber", "violet", "blue", None, "green", "red", "violet"],
        "size": [3, 1, 7, 12, 1, 7, 1, None, 3, 12],
    })
    unseen = []
    for row in ([0.1, "teal", 3], [0.1, "", 3], [0.1, "zzz", 3], [0.1, "red", 5], [0.1, "red", 13]):
        one = category_frame({"x": [row[0]], "colour": [row[1]], "size": [row[2]]})
        try:
            got = {"xgboost_3_2_margin": float(clf.predict(one, output_margin=True)[0])}
        except Exception as e:  # noqa: BLE001 - recorded, not hidden
            got = {"xgboost_3_2_error": message(e)}
        unseen.append({"row": row, **got})
    # The signature is inferred from a frame of plain columns, as a user's
    # serving input would look.
    plain = df.head(20).astype({"colour": str, "size": "int64"})
    save_case_plain_signature("categorical_classifier", clf, plain, test, {"unseen": unseen})


def category_frame(cols):
    """A DataFrame whose colour and size columns are pandas categories. size
    keeps an int64 index, so None stays a missing code rather than turning
    the categories into floats, which XGBoost refuses."""
    df = pd.DataFrame(cols)
    df["colour"] = pd.Categorical(df["colour"])
    sizes = sorted({int(v) for v in cols["size"] if v is not None})
    df["size"] = pd.Categorical(cols["size"], categories=pd.Index(sizes, dtype="int64"))
    return df


def save_case_plain_signature(name, model, plain_train, test, extra):
    predict = model.predict(test)
    margin = model.predict(test, output_margin=True)
    proba = model.predict_proba(test)
    sig = infer_signature(plain_train, np.asarray(predict)[:20])
    for fmt in FORMATS:
        out = FIXTURES / f"{name}_{fmt}"
        if out.exists():
            shutil.rmtree(out)
        with tempfile.TemporaryDirectory() as tmp:
            d = pathlib.Path(tmp) / "m"
            mlflow.xgboost.save_model(model, str(d), signature=sig, model_format=fmt)
            expected = {
                "columns": list(test.columns),
                "rows": [[cell(v) for v in r] for r in test.astype(object).itertuples(index=False)],
                "predict": numbers(predict),
                "margin": numbers(margin),
                "proba": numbers(proba),
                **extra,
            }
            try:
                # What a serving request becomes: strings, not categories.
                got = mlflow.pyfunc.load_model(str(d)).predict(test.astype({"colour": object}))
                expected["pyfunc"] = numbers(got)
            except Exception as e:  # noqa: BLE001 - recorded, not hidden
                expected["pyfunc_error"] = message(e)
            out.mkdir(parents=True)
            shutil.copy(d / "MLmodel", out / "MLmodel")
            shutil.copy(d / f"model.{fmt}", out / f"model.{fmt}")
            normalise_mlmodel(out / "MLmodel")
        write_expected(out / "expected.json", expected)


def codes_cases():
    """A categorical feature trained from a numpy array of codes: the model
    marks the feature "c" but stores no categories, so requests send codes."""
    rng = np.random.default_rng(11)
    n = 300
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 6, n).astype(float), rng.normal(size=n)])
    X[rng.random(n) < 0.1, 1] = np.nan
    y = X[:, 0] + (X[:, 1] == 2) * 2.0 + (X[:, 1] == 4) * 1.0
    names = ["a", "code", "b"]
    dtrain = xgb.DMatrix(X, label=y, feature_names=names, feature_types=["q", "c", "q"],
                         enable_categorical=True)
    bst = xgb.train({**COMMON, "max_depth": 3, "max_cat_to_onehot": 1}, dtrain, 3)
    test = frame(np.array([[0.1, c, 0.2] for c in (0, 1, 2, 3, 4, 5, 6, 2.5, -1, np.nan)]), names)
    save_case("categorical_codes", bst, frame(X, names), test, "booster")


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    binary_cases()
    multiclass_cases()
    regression_cases()
    dart_cases()
    objective_cases()
    categorical_cases()
    codes_cases()


if __name__ == "__main__":
    main()
