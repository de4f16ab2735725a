"""Models trained in Python and logged with MLflow's own client to a
``weir server`` are registered, aliased ``champion`` and served by ``weir
models serve`` without Python; the served predictions must equal the Python
model's in-process predictions.

scikit-learn (mlflow 3.x's default skops format, with autologging), LightGBM
(a Booster from ``lgb.train`` under ``mlflow.lightgbm.autolog``) and XGBoost
(the scikit-learn API, UBJSON).
"""

import subprocess
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import requests
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import mlflow
from mlflow import MlflowClient

from conftest import free_port, start_server


class Scorer:
    """A `weir models serve` process on a models:/ URI."""

    def __init__(self, weir_bin, uri, tracking_uri, log):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [weir_bin, "models", "serve", "-m", uri, "--tracking-uri", tracking_uri, "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weir models serve exited: {open(log).read()[-3000:]}")
            try:
                if requests.get(self.url + "/ping", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("weir models serve did not start")

    def predict(self, df: pd.DataFrame):
        body = {"dataframe_split": {"columns": list(df.columns), "data": df.astype(object).where(df.notna(), None).values.tolist()}}
        r = requests.post(self.url + "/invocations", json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["predictions"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self._log.close()


@pytest.fixture()
def tracking(weir_bin, tmp_path):
    server = start_server("weir", weir_bin, tmp_path)
    mlflow.set_tracking_uri(server.url)
    # Each test has a fresh server: the client must forget the last one's
    # experiment.
    mlflow.set_experiment("python-models")
    yield server
    server.stop()


def register_champion(info, name: str) -> str:
    mv = mlflow.register_model(info.model_uri, name)
    MlflowClient().set_registered_model_alias(name, "champion", mv.version)
    return f"models:/{name}@champion"


def served(weir_bin, tmp_path, uri, tracking_url, df):
    s = Scorer(weir_bin, uri, tracking_url, tmp_path / "serve.log")
    try:
        return s.predict(df)
    finally:
        s.stop()


def test_sklearn_pipeline_autolog(weir_bin, tracking, tmp_path):
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = X.copy()
    X["grade"] = np.where(X["alcohol"] > 13, "high", "low")
    X.loc[X.index[::7], "magnesium"] = np.nan
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    numeric = [c for c in X.columns if c != "grade"]
    model = Pipeline([
        ("prep", ColumnTransformer([
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["grade"]),
        ])),
        ("clf", LogisticRegression(max_iter=2000)),
    ])
    mlflow.sklearn.autolog(log_input_examples=True, log_model_signatures=True)
    try:
        with mlflow.start_run():
            model.fit(X_train, y_train)
    finally:
        mlflow.sklearn.autolog(disable=True)
    run = mlflow.last_active_run()
    info = mlflow.models.get_model_info(f"runs:/{run.info.run_id}/model")
    uri = register_champion(info, "wine-sklearn")
    got = served(weir_bin, tmp_path, uri, tracking.url, X_test)
    want = mlflow.pyfunc.load_model(uri).predict(X_test)
    assert list(got) == [int(v) for v in want]


def test_sklearn_forest_probabilities(weir_bin, tracking, tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=1)
    model = RandomForestClassifier(n_estimators=30, max_depth=6, random_state=0).fit(X_train, y_train)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", input_example=X_train.head(3), pyfunc_predict_fn="predict_proba",
                                        skops_trusted_types=["sklearn.tree._tree.Tree"])
    uri = register_champion(info, "cancer-forest")
    got = np.array(served(weir_bin, tmp_path, uri, tracking.url, X_test))
    want = model.predict_proba(X_test)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_lightgbm_autolog_booster(weir_bin, tracking, tmp_path):
    rng = np.random.default_rng(3)
    n = 2000
    df = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], size=n)),
    })
    df.loc[df.index[::11], "x2"] = np.nan
    y = ((df["x1"] + (df["colour"] == "red") + rng.normal(scale=0.5, size=n)) > 0.5).astype(int)
    mlflow.lightgbm.autolog(log_input_examples=True)
    try:
        with mlflow.start_run():
            booster = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 1},
                                lgb.Dataset(df[:1500], y[:1500]), num_boost_round=40)
    finally:
        mlflow.lightgbm.autolog(disable=True)
    run = mlflow.last_active_run()
    uri = register_champion(mlflow.models.get_model_info(f"runs:/{run.info.run_id}/model"), "lgb-booster")
    test = df[1500:].copy()
    body_df = test.assign(colour=test["colour"].astype(str))
    got = np.array(served(weir_bin, tmp_path, uri, tracking.url, body_df))
    np.testing.assert_allclose(got, booster.predict(test), rtol=0, atol=1e-9)


def test_xgboost_classifier(weir_bin, tracking, tmp_path):
    X, y = load_wine(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
    model = xgb.XGBClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X_train, y_train)
    with mlflow.start_run():
        info = mlflow.xgboost.log_model(model, name="model", input_example=X_train.head(3))
    uri = register_champion(info, "wine-xgb")
    got = served(weir_bin, tmp_path, uri, tracking.url, X_test)
    assert list(got) == [int(v) for v in model.predict(X_test)]


def test_lightgbm_sklearn_api(weir_bin, tracking, tmp_path):
    X, y = load_wine(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=4)
    model = lgb.LGBMClassifier(n_estimators=25, num_leaves=7, verbose=-1, random_state=0).fit(X_train, y_train)
    with mlflow.start_run():
        info = mlflow.lightgbm.log_model(model, name="model", input_example=X_train.head(3))
    uri = register_champion(info, "wine-lgbm")
    got = served(weir_bin, tmp_path, uri, tracking.url, X_test)
    assert list(got) == [int(v) for v in model.predict(X_test)]
