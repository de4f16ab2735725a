"""Writes the scikit-learn model fixtures for Weir's mlmodel/sklearn tests.

Run with the project virtualenv from the repository root:

    /work/main/.venv/bin/python tests/reference/gen_sklearn_models.py

and, for the older scikit-learn minor the adapter also supports, with a
virtualenv that has scikit-learn 1.8 (numpy and pandas only; no skops):

    python3 -m venv /tmp/sk18
    /tmp/sk18/bin/pip install 'scikit-learn==1.8.*' numpy pandas
    /tmp/sk18/bin/python tests/reference/gen_sklearn_models.py

Each fixture tests/reference/fixtures/sklearn/<minor>/<name>.json holds one
fitted estimator's state dumped in the shape the mlmodel/sklearn/pyobj
readers give (objects with module, class, state and args; NumPy arrays with
dtype, shape and data; structured arrays by field), a few test rows, and
what scikit-learn's predict and predict_proba return for them.

Encoding of Python values, so the Go test can rebuild pyobj values exactly:
  None, bool, str           as JSON
  int                       a JSON integer
  float                     a JSON number written with a '.' or an exponent
                            (repr), NaN and infinities as {"__float__": "nan"}
  list, tuple               a JSON array
  dict                      {"__dict__": {key: value}}
  object                    {"__object__": {"module", "class", "state", "args"}}
  numpy array               {"__array__": {"dtype", "shape", "data"}} or, for
                            records, {"__array__": {"dtype": "record", "shape",
                            "field_names", "fields": {name: array}}}
  class or function         {"__type__": {"module", "name"}}

The output must be byte-identical on every run (CI reruns this script), so
every estimator has a fixed random_state, n_jobs is left at 1, and JSON keys
are sorted. When WEIR_SKLEARN_SAVE_DIR is set, the same fitted models are
also saved there with mlflow.sklearn.save_model (not committed: the Go
tests of the real readers will use them).
"""

import functools
import json
import math
import os
import types
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

MINOR = ".".join(sklearn.__version__.split(".")[:2])
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "fixtures", "sklearn", MINOR
)

warnings.filterwarnings("ignore")


def enc_float(f):
    f = float(f)
    if math.isnan(f):
        return {"__float__": "nan"}
    if math.isinf(f):
        return {"__float__": "inf" if f > 0 else "-inf"}
    return f


def enc_array(a):
    if a.dtype.names:
        return {
            "__array__": {
                "dtype": "record",
                "shape": list(a.shape),
                "field_names": list(a.dtype.names),
                "fields": {n: enc_array(np.ascontiguousarray(a[n])) for n in a.dtype.names},
            }
        }
    flat = a.reshape(-1)
    kind = a.dtype.kind
    if kind == "f":
        data = [enc_float(x) for x in flat]
    elif kind in "iub":
        data = [int(x) for x in flat]
    elif kind in "US":
        data = [x.decode("latin-1") if isinstance(x, bytes) else str(x) for x in flat]
    elif kind == "O":
        data = [enc(x) for x in flat]
    else:
        raise TypeError("array dtype %s" % a.dtype)
    dtype = "object" if kind == "O" else a.dtype.str
    return {"__array__": {"dtype": dtype, "shape": list(a.shape), "data": data}}


def enc_object(module, cls, state=None, args=None):
    o = {"module": module, "class": cls}
    if state is not None:
        o["state"] = {k: enc(v) for k, v in state.items()}
    if args is not None:
        o["args"] = [enc(x) for x in args]
    return {"__object__": o}


def enc(v):
    """Encodes a Python value as the pyobj readers would read it."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return enc_float(v)
    if isinstance(v, np.str_):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {"__dict__": {str(k): enc(x) for k, x in v.items()}}
    if isinstance(v, np.ndarray):
        return enc_array(v)
    if isinstance(v, np.dtype):
        return enc_object("numpy", "dtype", args=[v.str])
    if isinstance(v, slice):
        return enc_object("builtins", "slice", args=[v.start, v.stop, v.step])
    if isinstance(v, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType)):
        return {"__type__": {"module": getattr(v, "__module__", None) or "", "name": v.__name__}}
    if isinstance(v, functools.partial):
        # pickle rebuilds a partial from its function, then sets the rest.
        return enc_object("functools", "partial", args=[v.func])
    cls = type(v)
    if cls.__name__ == "Tree":
        red = v.__reduce__()
        return enc_object(cls.__module__, "Tree", state=red[2], args=list(red[1]))
    state = None
    if hasattr(v, "__getstate__"):
        try:
            state = v.__getstate__()
        except TypeError:
            state = None
    if not isinstance(state, dict):
        state = getattr(v, "__dict__", None)
    if not isinstance(state, dict) or cls.__name__ in ("RandomState", "Generator"):
        state = {}
    return enc_object(cls.__module__, cls.__name__, state=state)


def cell(x):
    if x is None:
        return None
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(float(x)) else enc_float(x)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    return str(x)


def labels(y):
    return [cell(x) for x in np.asarray(y, dtype=object).tolist()]


# The older minor gets the fixtures that cover every estimator class once,
# to keep the committed files small.
OLDER = {"iris_logreg", "iris_gb", "iris_hgb", "cancer_gb", "cancer_hgb", "diabetes_ridge",
         "diabetes_lasso", "diabetes_enet", "iris_forest", "diabetes_extra", "diabetes_gb",
         "mixed_tree", "mixedreg_linear", "variant_onehot", "variant_ordinal",
         "variant_hgb_categorical", "nan_tree", "nan_hgb", "mixed3_gb", "nan_forest",
         "diabetes_hgb", "iris_extra", "hgb_from_dtype"}
NEWEST = "1.9"


def write(name, est, X, note=""):
    """Writes est's state and its answers on the rows of DataFrame X."""
    if MINOR != NEWEST and name not in OLDER:
        return
    doc = {
        "sklearn_version": sklearn.__version__,
        "note": note,
        "model": enc(est),
        "columns": [str(c) for c in X.columns],
        "rows": [[cell(x) for x in row] for row in X.itertuples(index=False)],
        "predict": labels(est.predict(X)),
    }
    if hasattr(est, "predict_proba"):
        doc["predict_proba"] = [[enc_float(p) for p in r] for r in est.predict_proba(X)]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, sort_keys=True, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    save_dir = os.environ.get("WEIR_SKLEARN_SAVE_DIR")
    if save_dir:
        import mlflow.sklearn
        import skops.io

        path = os.path.join(save_dir, MINOR, name)
        if not os.path.exists(path):
            mlflow.sklearn.save_model(est, path, serialization_format="pickle")
            # We made these models, so their types are trusted.
            trusted = skops.io.get_untrusted_types(data=skops.io.dumps(est))
            mlflow.sklearn.save_model(
                est, path + "_skops", serialization_format="skops", skops_trusted_types=trusted
            )


def frame(X, names):
    return pd.DataFrame(X, columns=[str(n) for n in names])


def test_rows(X, rng, n):
    """Picks n rows of X and adds edge rows: a row on a split point is
    likely among the training rows themselves."""
    idx = rng.choice(len(X), n, replace=False)
    return X.iloc[np.sort(idx)].reset_index(drop=True)


def split_points(est):
    """Returns (feature, threshold) of the first tree's splits."""
    if hasattr(est, "_predictors"):
        nodes = est._predictors[0][0].nodes
        inner = nodes[nodes["is_leaf"] == 0]
        return list(zip(inner["feature_idx"], inner["num_threshold"]))
    if hasattr(est, "estimators_"):
        first = est.estimators_
        first = first[0, 0] if isinstance(first, np.ndarray) else first[0]
        t = first.tree_
    else:
        t = est.tree_
    inner = t.children_left >= 0
    return list(zip(t.feature[inner], t.threshold[inner]))


def with_split_rows(est, X, tests, infinities=False):
    """Adds rows whose value sits exactly on a split threshold, on the
    float32 values either side of it (trees compare X cast to float32),
    and, for models that accept them, infinities."""
    base = X.median().to_numpy()
    extra = []
    for f, thr in split_points(est)[:6]:
        below = float(np.nextafter(np.float32(thr), np.float32(-np.inf)))
        above = float(np.nextafter(np.float32(thr), np.float32(np.inf)))
        for v in (float(thr), float(np.float32(thr)), below, above, float(np.nextafter(thr, np.inf))):
            row = base.copy()
            row[f] = v
            extra.append(row)
    if infinities:
        for v in (np.inf, -np.inf):
            row = base.copy()
            row[0] = v
            extra.append(row)
    extra = pd.DataFrame(extra, columns=X.columns)
    return pd.concat([tests, extra], ignore_index=True)


def fit_write(name, est, X, y, tests, note="", infinities=False):
    est.fit(X, y)
    write(name, est, with_split_rows(est, X, tests, infinities), note)


def plain_sets():
    rng = np.random.RandomState(0)
    iris = load_iris()
    Xi = frame(iris.data, iris.feature_names)
    ti = test_rows(Xi, rng, 30)
    yi = iris.target
    write("iris_logreg", LogisticRegression(max_iter=500).fit(Xi, yi), ti)
    fit_write("iris_tree", DecisionTreeClassifier(max_depth=4, random_state=0), Xi, yi, ti)
    write("iris_forest", RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(Xi, yi), ti)
    write("iris_extra", ExtraTreesClassifier(n_estimators=8, max_depth=4, random_state=0).fit(Xi, yi), ti)
    fit_write("iris_gb", GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0), Xi, yi, ti)
    fit_write("iris_hgb", HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0),
              Xi, yi, ti, infinities=True)
    # String labels, numpy input (no feature names: columns by position).
    names = np.array(["setosa", "versicolor", "virginica"])[yi]
    m = DecisionTreeClassifier(max_depth=3, random_state=0).fit(iris.data, names)
    write_numpy("iris_tree_numpy", m, ti)

    wine = load_wine()
    Xw = frame(wine.data, wine.feature_names)
    tw = test_rows(Xw, rng, 25)
    yw = wine.target
    write("wine_forest", RandomForestClassifier(n_estimators=6, max_depth=3, random_state=0).fit(Xw, yw), tw)
    write("wine_gb", GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(Xw, yw), tw)
    write("wine_hgb", HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0).fit(Xw, yw), tw)
    write("wine_logreg", make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(Xw, yw), tw)

    bc = load_breast_cancer()
    Xb = frame(bc.data, bc.feature_names)
    tb = test_rows(Xb, rng, 25)
    yb = bc.target
    write("cancer_logreg", make_pipeline(MinMaxScaler(), LogisticRegression()).fit(Xb, yb), tb)
    write("cancer_gb", GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(Xb, yb), tb)
    write("cancer_hgb", HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0).fit(Xb, yb), tb)
    write("cancer_tree", DecisionTreeClassifier(max_depth=4, random_state=0).fit(Xb, yb), tb)
    gbz = GradientBoostingClassifier(n_estimators=5, max_depth=2, init="zero", random_state=0).fit(Xb, yb)
    write("cancer_gb_zero", gbz, tb, "init zero")

    dia = load_diabetes()
    Xd = frame(dia.data, dia.feature_names)
    td = test_rows(Xd, rng, 25)
    yd = dia.target
    write("diabetes_linear", LinearRegression().fit(Xd, yd), td)
    write("diabetes_ridge", make_pipeline(RobustScaler(), Ridge(alpha=0.7)).fit(Xd, yd), td)
    write("diabetes_lasso", Lasso(alpha=0.05).fit(Xd, yd), td)
    write("diabetes_enet", ElasticNet(alpha=0.01, l1_ratio=0.3).fit(Xd, yd), td)
    fit_write("diabetes_tree", DecisionTreeRegressor(max_depth=4, random_state=0), Xd, yd, td)
    fit_write("diabetes_forest", RandomForestRegressor(n_estimators=6, max_depth=4, random_state=0), Xd, yd, td)
    write("diabetes_extra", ExtraTreesRegressor(n_estimators=6, max_depth=4, random_state=0).fit(Xd, yd), td)
    fit_write("diabetes_gb", GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0), Xd, yd, td)
    fit_write("diabetes_hgb", HistGradientBoostingRegressor(max_bins=32, max_iter=5, max_depth=3, random_state=0),
              Xd, yd, td, infinities=True)
    pois = HistGradientBoostingRegressor(loss="poisson", max_bins=32, max_iter=5, max_depth=3, random_state=0).fit(Xd, yd)
    write("diabetes_hgb_poisson", pois, td, "log link")


def write_numpy(name, est, X):
    """Like write, for an estimator fitted on a NumPy array: it is scored
    on X's values by position."""
    class Arr:
        pass

    doc = {
        "sklearn_version": sklearn.__version__,
        "note": "fitted on a numpy array",
        "model": enc(est),
        "columns": [str(c) for c in X.columns],
        "rows": [[cell(x) for x in row] for row in X.itertuples(index=False)],
        "predict": labels(est.predict(X.to_numpy())),
        "predict_proba": [[enc_float(p) for p in r] for r in est.predict_proba(X.to_numpy())],
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, sort_keys=True, separators=(",", ":"), allow_nan=False)
        f.write("\n")


def mixed_frame(n, rng):
    """A frame like a customer table: numbers with gaps, strings with gaps."""
    age = np.round(rng.normal(40, 12, n), 1)
    age[rng.rand(n) < 0.1] = np.nan
    income = np.round(rng.lognormal(10, 0.5, n), 2)
    visits = rng.poisson(3, n).astype(np.int64)
    city = rng.choice(["paris", "lyon", "nice", "lille", "brest"], n, p=[0.4, 0.3, 0.2, 0.07, 0.03]).astype(object)
    city[rng.rand(n) < 0.08] = None
    plan = rng.choice(["free", "pro", "team"], n).astype(object)
    df = pd.DataFrame({"age": age, "income": income, "visits": visits, "city": city, "plan": plan})
    score = (
        0.05 * np.nan_to_num(age, nan=40)
        + 0.00003 * income
        + 0.3 * visits
        + np.where(city == "paris", 1.0, 0.0)
        + np.where(plan == "pro", 0.8, np.where(plan == "team", -0.5, 0.0))
    )
    return df, score


def mixed_tests(rng):
    df, _ = mixed_frame(24, rng)
    # Edge rows: gaps everywhere, categories never seen, extreme numbers.
    edge = pd.DataFrame(
        {
            "age": [np.nan, 200.0, -5.0, 40.0],
            "income": [22026.47, 1e9, 0.0, -1.0],
            "visits": np.array([0, 40, 3, 2], dtype=np.int64),
            "city": [None, "oslo", "paris", "nice"],
            "plan": ["free", "pro", "team", "free"],
        }
    )
    return pd.concat([df, edge], ignore_index=True)


def mixed_sets():
    rng = np.random.RandomState(1)
    df, score = mixed_frame(300, rng)
    tests = mixed_tests(rng)
    y_bin = (score + rng.normal(0, 0.7, len(score)) > np.median(score)).astype(int)
    y_3 = np.digitize(score + rng.normal(0, 0.5, len(score)), np.quantile(score, [0.33, 0.66]))
    y_3 = np.array(["low", "mid", "high"])[y_3]
    y_reg = score * 10 + rng.normal(0, 1, len(score))

    def prep():
        num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        return ColumnTransformer(
            [
                ("num", num, ["age", "income", "visits"]),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
            ]
        )

    classifiers = {
        "logreg": LogisticRegression(max_iter=1000),
        "tree": DecisionTreeClassifier(max_depth=4, random_state=0),
        "forest": RandomForestClassifier(n_estimators=6, max_depth=4, random_state=0),
        "extra": ExtraTreesClassifier(n_estimators=6, max_depth=4, random_state=0),
        "gb": GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0),
        "hgb": HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0),
    }
    for kind, model in classifiers.items():
        write("mixed_%s" % kind, Pipeline([("prep", prep()), ("model", model)]).fit(df, y_bin), tests)
    for kind in ("logreg", "forest", "gb", "hgb"):
        model = sklearn.base.clone(classifiers[kind])
        write("mixed3_%s" % kind, Pipeline([("prep", prep()), ("model", model)]).fit(df, y_3), tests)
    regressors = {
        "linear": LinearRegression(),
        "ridge": Ridge(alpha=2.0),
        "lasso": Lasso(alpha=0.1),
        "enet": ElasticNet(alpha=0.1, l1_ratio=0.5),
        "tree": DecisionTreeRegressor(max_depth=4, random_state=0),
        "forest": RandomForestRegressor(n_estimators=6, max_depth=4, random_state=0),
        "extra": ExtraTreesRegressor(n_estimators=6, max_depth=4, random_state=0),
        "gb": GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0),
        "hgb": HistGradientBoostingRegressor(max_bins=32, max_iter=5, max_depth=3, random_state=0),
    }
    for kind, model in regressors.items():
        write("mixedreg_%s" % kind, Pipeline([("prep", prep()), ("model", model)]).fit(df, y_reg), tests)

    # Encoder and column-selection variants.
    ct = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean"), MinMaxScaler()), [0, 1]),
            ("cat", OneHotEncoder(drop="first", handle_unknown="ignore"), ["plan"]),
            ("city", make_pipeline(SimpleImputer(strategy="constant", fill_value="none"),
                                   OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20)), ["city"]),
        ],
        remainder="passthrough",
    )
    m = Pipeline([("prep", ct), ("model", LogisticRegression(max_iter=1000))]).fit(df, y_bin)
    write("variant_onehot", m, tests, "drop first, infrequent, passthrough remainder, indices")
    ct = ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="most_frequent"), ["age"]),
            ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                   encoded_missing_value=-2), ["city", "plan"]),
        ],
        remainder="drop",
    )
    m = Pipeline([("prep", ct), ("model", RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0))]).fit(df, y_3)
    write("variant_ordinal", m, tests, "ordinal encoder, unknown and missing codes")
    ct = ColumnTransformer(
        [
            ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), ["city", "plan"]),
            ("num", "passthrough", ["age", "income", "visits"]),
        ]
    )
    hgb = HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, categorical_features=[0, 1], random_state=0)
    m = Pipeline([("prep", ct), ("model", hgb)]).fit(df, y_3)
    write("variant_hgb_categorical", m, tests, "native categorical splits, unknown categories as NaN")
    hgbr = HistGradientBoostingRegressor(max_bins=32, max_iter=5, max_depth=3, categorical_features=[0, 1], random_state=0)
    m = Pipeline([("prep", ct), ("model", hgbr)]).fit(df, y_reg)
    write("variant_hgbreg_categorical", m, tests, "native categorical splits")
    # Trees and HGB that see the gaps themselves.
    num = ["age", "income", "visits"]
    write("nan_tree", DecisionTreeClassifier(max_depth=4, random_state=0).fit(df[num], y_bin), tests[num], "missing values")
    write("nan_forest", RandomForestRegressor(n_estimators=4, max_depth=4, random_state=0).fit(df[num], y_reg), tests[num], "missing values")
    write("nan_hgb", HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0).fit(df[num], y_bin), tests[num], "missing values")
    # Categorical features taken from pandas category dtypes: the model
    # fits its own OrdinalEncoder preprocessor.
    cats = {"city": "category", "plan": "category"}
    hgb = HistGradientBoostingClassifier(max_bins=32, max_iter=5, max_depth=3, random_state=0)
    write("hgb_from_dtype", hgb.fit(df.astype(cats), y_bin), tests.astype(cats), "categories from dtypes")
    # Numeric categories for the one-hot encoder, and a plain scaler chain.
    ct = ColumnTransformer([("v", OneHotEncoder(handle_unknown="ignore"), ["visits"]),
                            ("s", RobustScaler(), ["income"])])
    m = Pipeline([("prep", ct), ("model", Ridge())]).fit(df.fillna({"age": 0}), y_reg)
    write("variant_numeric_categories", m, tests, "integer categories")


def main():
    plain_sets()
    mixed_sets()


if __name__ == "__main__":
    main()
