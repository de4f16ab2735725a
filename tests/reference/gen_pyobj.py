"""Reference files for Weir's skops and pickle reader (mlmodel/sklearn/pyobj).

Fits one small example of each scikit-learn (and LightGBM sklearn-API)
estimator kind that Weir reads natively, saves it the three ways MLflow does
(mlflow.sklearn.save_model with the default skops format, with
serialization_format="cloudpickle" and with "pickle"), and copies the model
file of each into fixtures/pyobj/<name>.{skops,cloudpickle.pkl,pickle.pkl}.
A protocol-5 pickle (Python 3.14's default, where NumPy arrays travel as
buffers) is written too, as <name>.p5.pkl.

fixtures/pyobj/expected.json holds, for each model, the key attributes that
the Go test compares with what it read: a path into the object graph and the
value (or the first entries of an array) that Python holds there.

mlflow writes cloudpickle and pickle with the same protocol (Python's
default, 4), so those two files are alike for plain estimators.

skops names its .npy members and __id__ fields after Python's id() of each
object (memory addresses) and stamps the zip with the time of saving, so the
skops files are rewritten: ids renumbered 1, 2, ... in schema order, members
in the same order, with a fixed date (and two of them deflated, see DEFLATED). Pickles are deterministic as written.

Usage: python tests/reference/gen_pyobj.py
"""

import io
import json
import logging
import pathlib
import pickle
import shutil
import tempfile
import warnings
import zipfile

import lightgbm as lgb
import mlflow.sklearn
import numpy as np
import pandas as pd
import skops.io
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
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
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    LabelEncoder,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "fixtures" / "pyobj"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
HEAD = 6  # array entries kept in expected.json
# skops files written compressed (skops.io.dump's compression=ZIP_DEFLATED),
# so that the reader's inflating path is tested too; the rest are stored as
# MLflow writes them.
DEFLATED = {"column_transformer", "gradient_boosting_classifier"}


def datasets():
    iris = load_iris()
    cancer = load_breast_cancer()
    diab = load_diabetes()
    rng = np.random.RandomState(0)
    n = 60
    frame = pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n),
        "size": rng.choice(["S", "M", "L"], n),
        "x1": rng.normal(size=n),
        "x2": rng.normal(size=n),
    })
    frame.loc[::7, "x1"] = np.nan
    yframe = (frame["x2"] + (frame["colour"] == "red") > 0.3).astype(int)
    return {
        "iris": (iris.data[::3], iris.target[::3]),
        "cancer": (cancer.data[::4, :6], cancer.target[::4]),
        "diabetes": (diab.data[::4], diab.target[::4]),
        "frame": (frame, yframe),
        "labels": (iris.target_names[iris.target[::10]], None),
        "categories": (frame.astype({"colour": "category", "size": "category"}), yframe),
    }


def models():
    small = {"max_depth": 3, "random_state": 0}
    column = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"]),
        ("ord", OrdinalEncoder(), ["size"]),
        ("num", Pipeline([("impute", SimpleImputer()), ("scale", MinMaxScaler())]), ["x1"]),
        ("rob", RobustScaler(), ["x2"]),
    ])
    return [
        ("logreg_pipeline", Pipeline([("scale", StandardScaler()),
                                      ("clf", LogisticRegression(max_iter=200))]), "iris"),
        ("column_transformer", Pipeline([("prep", column),
                                         ("clf", LogisticRegression())]), "frame"),
        ("linear_regression", LinearRegression(), "diabetes"),
        ("ridge", Ridge(alpha=0.5), "diabetes"),
        ("lasso", Lasso(alpha=0.1), "diabetes"),
        ("elastic_net", ElasticNet(alpha=0.1, l1_ratio=0.3), "diabetes"),
        ("decision_tree_classifier", DecisionTreeClassifier(**small), "iris"),
        ("decision_tree_regressor", DecisionTreeRegressor(**small), "diabetes"),
        ("random_forest_classifier", RandomForestClassifier(n_estimators=2, **small), "cancer"),
        ("random_forest_regressor", RandomForestRegressor(n_estimators=3, **small), "diabetes"),
        ("extra_trees_classifier", ExtraTreesClassifier(n_estimators=2, **small), "iris"),
        ("extra_trees_regressor", ExtraTreesRegressor(n_estimators=3, **small), "diabetes"),
        ("gradient_boosting_classifier",
         GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0), "iris"),
        ("gradient_boosting_binary",
         GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0), "cancer"),
        ("gradient_boosting_regressor",
         GradientBoostingRegressor(n_estimators=3, max_depth=2, random_state=0), "diabetes"),
        ("hist_gradient_boosting_classifier",
         HistGradientBoostingClassifier(max_iter=3, max_leaf_nodes=4, random_state=0), "cancer"),
        ("hist_gradient_boosting_regressor",
         HistGradientBoostingRegressor(max_iter=3, max_leaf_nodes=4, random_state=0), "diabetes"),
        ("hist_gradient_boosting_categories",
         HistGradientBoostingClassifier(max_iter=2, max_leaf_nodes=4, random_state=0,
                                        categorical_features="from_dtype"), "categories"),
        ("lgbm_classifier", lgb.LGBMClassifier(n_estimators=3, num_leaves=4, n_jobs=1,
                                               deterministic=True, verbose=-1), "iris"),
        ("lgbm_regressor", lgb.LGBMRegressor(n_estimators=3, num_leaves=4, n_jobs=1,
                                             deterministic=True, verbose=-1), "diabetes"),
        ("label_encoder", LabelEncoder(), "labels"),
        ("function_transformer", FunctionTransformer(np.log1p), "diabetes"),
    ]


def fit(model, data, kind):
    X, y = data[kind]
    if isinstance(model, (FunctionTransformer, LabelEncoder)):
        return model.fit(X)
    return model.fit(X, y)


# --- expected attributes ---------------------------------------------------

def head(a):
    a = np.asarray(a)
    if a.dtype.names:
        return {f: head(a[f]) for f in a.dtype.names}
    flat = a.ravel()[:HEAD]
    if a.dtype.kind in "fc":
        return [None if not np.isfinite(v) else float(v) for v in flat]
    if a.dtype.kind == "b":
        return [int(v) for v in flat]
    if a.dtype.kind in "iu":
        return [int(v) for v in flat]
    return [str(v) for v in flat]


def entry(path, value):
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"path": path, "dtype": value.dtype.str if not value.dtype.names else "record",
                "shape": list(value.shape), "head": head(value)}
    if isinstance(value, np.ndarray) and all(isinstance(v, str) for v in value.ravel()):
        return {"path": path, "dtype": "object", "shape": list(value.shape), "head": head(value)}
    if isinstance(value, (np.floating, float)):
        return {"path": path, "float": float(value)}
    if isinstance(value, (bool, np.bool_)):
        return {"path": path, "bool": bool(value)}
    if isinstance(value, (np.integer, int)):
        return {"path": path, "int": int(value)}
    if isinstance(value, str):
        return {"path": path, "string": value[:60], "len": len(value)}
    return None


def describe(obj, path, out, depth=0):
    """Appends entries for obj's fitted attributes (names ending in "_"),
    following estimators, lists of them, trees and predictors."""
    if depth > 6:
        return
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj[:3]):
            describe(v, path + [i], out, depth + 1)
        return
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        describe(list(obj.ravel()[:2]), path, out, depth + 1)
        return
    if type(obj).__name__ == "Tree":
        state = obj.__getstate__()
        for k in ("max_depth", "node_count", "nodes", "values"):
            out.append(entry(path + [k], state[k]))
        return
    d = getattr(obj, "__dict__", None)
    if d is None:
        return
    for k, v in sorted(d.items()):
        if k in ("_Booster",):
            out.append(entry(path + [k, "_handle"], v.model_to_string()))
            continue
        if k in ("nodes",) and isinstance(v, np.ndarray):
            out.append(entry(path + [k], v))
            continue
        if not (k.endswith("_") or k in ("_predictors", "_bin_mapper", "_baseline_prediction",
                                         "steps", "transformers")):
            continue
        e = entry(path + [k], v)
        if e is not None:
            out.append(e)
        elif isinstance(v, list) and v and all(isinstance(x, np.ndarray) for x in v):
            # such as OneHotEncoder's categories_
            out.extend(entry(path + [k, i], x) for i, x in enumerate(v[:3]))
        elif k in ("steps", "transformers_", "transformers"):
            for i, step in enumerate(v):
                describe(step[1], path + [k, i, 1], out, depth + 1)
        elif k in ("estimators_", "tree_", "init_", "_predictors", "_bin_mapper", "_loss"):
            describe(v, path + [k], out, depth + 1)
    return out


# --- writing -----------------------------------------------------------------

def renumber_skops(data, deflate):
    """Returns the skops zip data with ids renumbered in schema order and a
    fixed timestamp, so the file does not change from run to run."""
    src = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(src.read("schema.json"))
    ids = {}

    def new_id(old):
        if old not in ids:
            ids[old] = len(ids) + 1
        return ids[old]

    def walk(node):
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = new_id(node["__id__"])
            if node.get("__loader__") in ("NdArrayNode", "SparseMatrixNode", "BytesNode",
                                           "BytearrayNode") and "file" in node:
                stem, dot, ext = node["file"].partition(".")
                node["file"] = f"f{new_id(('file', stem))}.{ext}"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    renamed = {}
    for info in src.infolist():
        if info.filename == "schema.json":
            continue
        stem, dot, ext = info.filename.partition(".")
        renamed[info.filename] = f"f{ids[('file', stem)]}.{ext}"
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression=method) as dst:
        for info in src.infolist():
            name = info.filename
            body = src.read(name)
            if name == "schema.json":
                body = json.dumps(schema, indent=2).encode()
            else:
                name = renamed[name]
            zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            zi.compress_type = method
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def save(name, model, tmp):
    """Writes the model the three ways MLflow does, with the function that
    mlflow.sklearn.save_model writes model.skops / model.pkl with (the rest
    of an MLmodel directory is not needed here); returns the file names."""
    written = []
    for fmt, suffix in (("skops", ".skops"), ("cloudpickle", ".cloudpickle.pkl"),
                        ("pickle", ".pickle.pkl")):
        path = tmp / f"{name}.{fmt}"
        trusted = None
        if fmt == "skops":
            buf = io.BytesIO()
            skops.io.dump(model, buf)
            trusted = skops.io.get_untrusted_types(data=buf.getvalue())
        mlflow.sklearn._save_model(model, str(path), fmt, trusted)
        data = path.read_bytes()
        if fmt == "skops":
            data = renumber_skops(data, name in DEFLATED)
            skops.io.loads(data, trusted=trusted)  # still loads
        (OUT / (name + suffix)).write_bytes(data)
        written.append(name + suffix)
    (OUT / (name + ".p5.pkl")).write_bytes(pickle.dumps(model, protocol=5))
    written.append(name + ".p5.pkl")
    return written


def main():
    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    data = datasets()
    expected = {"sklearn_version": sklearn.__version__, "lightgbm_version": lgb.__version__,
                "models": {}}
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for name, model, kind in models():
            np.random.seed(0)
            fit(model, data, kind)
            files = save(name, model, tmp)
            entries = [e for e in describe(model, [], []) if e is not None]
            expected["models"][name] = {
                "module": type(model).__module__, "class": type(model).__name__,
                "files": files, "attrs": entries,
            }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total} bytes, to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
