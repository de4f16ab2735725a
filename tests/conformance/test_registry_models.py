"""Registered models as files: loading by every model URI form, downloading a
version's artifacts, and the MLflow 3 logged-model entity (create, params,
tags, finalize, search).
"""

import hashlib
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from support import assert_rest_ok, raises_code, rest

pytestmark = [pytest.mark.registry, pytest.mark.artifacts, pytest.mark.models]

X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [0.5, 2.5], [2.5, 0.5]])
Y = np.array([0, 0, 1, 1, 1, 0])


@pytest.fixture(scope="module")
def registered(tracking_uri):
    """One model logged, registered as version 1, aliased and in Production."""
    model = LogisticRegression().fit(X, Y)
    exp = mlflow.set_experiment(f"regmodels-{uuid.uuid4().hex[:10]}")
    name = f"regmodel-{uuid.uuid4().hex[:8]}"
    with mlflow.start_run(experiment_id=exp.experiment_id) as run:
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            pip_requirements=["scikit-learn"],
            signature=mlflow.models.infer_signature(X, model.predict(X)),
            registered_model_name=name,
        )
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(name, "champion", "1")
    client.transition_model_version_stage(name, "1", "Production")
    return name, run.info.run_id, info, model


@pytest.mark.parametrize(
    "form",
    ["models:/{name}/1", "models:/{name}@champion", "models:/{name}/Production", "models:/{name}/latest",
     "models:/{model_id}", "runs:/{run_id}/model"],
    ids=["version", "alias", "stage", "latest", "model-id", "runs"],
)
def test_load_model_by_every_uri(registered, form):
    name, run_id, info, model = registered
    uri = form.format(name=name, run_id=run_id, model_id=info.model_id)
    loaded = mlflow.pyfunc.load_model(uri)
    assert list(loaded.predict(X)) == list(model.predict(X))


def test_download_model_version_artifacts(registered, tmp_path):
    name, run_id, info, _ = registered
    a, b = tmp_path / "by-version", tmp_path / "by-run"
    a.mkdir()
    b.mkdir()
    by_version = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/1", dst_path=str(a)))
    by_run = Path(mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model", dst_path=str(b)))

    def digests(root):
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in root.rglob("*") if p.is_file()}

    got, want = digests(by_version), digests(by_run)
    # The client rewrites registered_model_meta in a models:/<name>/<v>
    # download; every other file must be the logged model's, byte for byte.
    assert got.pop("registered_model_meta", None) is not None
    want.pop("registered_model_meta", None)
    assert {"MLmodel", "requirements.txt"} <= set(got) and len(got) > 4
    assert got == want


def test_download_uri_is_the_logged_model(registered):
    name, _, info, _ = registered
    body = assert_rest_ok(rest("GET", "model-versions/get-download-uri", params={"name": name, "version": "1"}))
    assert body["artifact_uri"] == mlflow.get_logged_model(info.model_id).artifact_location


def test_missing_model_uris(registered):
    name, _, _, _ = registered
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        mlflow.pyfunc.load_model(f"models:/{name}/99")
    with raises_code("INVALID_PARAMETER_VALUE"):
        mlflow.pyfunc.load_model(f"models:/{name}@nobody")


# --- logged models --------------------------------------------------------------------


@pytest.fixture()
def models(client, exp_id):
    """Three logged models in a fresh experiment: name -> LoggedModel."""
    out = {}
    for name, lr, team in [("alpha", "0.1", "risk"), ("beta", "0.2", "risk"), ("gamma", "0.1", "ops")]:
        out[name] = client.create_logged_model(
            exp_id, name=name, params={"lr": lr}, tags={"team": team}, model_type="classifier"
        )
    return out


def test_logged_model_lifecycle(client, exp_id, models):
    lm = models["alpha"]
    assert lm.model_id.startswith("m-")
    assert (lm.name, lm.experiment_id, str(lm.status), lm.model_type) == ("alpha", exp_id, "PENDING", "classifier")
    assert lm.params == {"lr": "0.1"}

    client.log_model_params(lm.model_id, {"depth": "3"})
    client.set_logged_model_tags(lm.model_id, {"stage": "dev", "team": "credit"})
    client.delete_logged_model_tag(lm.model_id, "stage")
    done = client.finalize_logged_model(lm.model_id, "READY")
    assert str(done.status) == "READY"

    got = client.get_logged_model(lm.model_id)
    assert got.params == {"lr": "0.1", "depth": "3"}
    assert got.tags == {"team": "credit"}
    assert str(got.status) == "READY"
    assert got.artifact_location.endswith(f"/models/{lm.model_id}/artifacts")

    client.delete_logged_model(lm.model_id)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_logged_model(lm.model_id)


def test_search_logged_models(client, exp_id, models):
    client.finalize_logged_model(models["beta"].model_id, "READY")
    client.finalize_logged_model(models["gamma"].model_id, "FAILED")

    def search(filter_string=None, order_by=None, **kw):
        return [m.name for m in client.search_logged_models([exp_id], filter_string=filter_string, order_by=order_by, **kw)]

    assert search(order_by=[{"field_name": "name", "ascending": True}]) == ["alpha", "beta", "gamma"]
    assert search(order_by=[{"field_name": "name", "ascending": False}]) == ["gamma", "beta", "alpha"]
    # The default order is newest first.
    assert search() == ["gamma", "beta", "alpha"]
    assert sorted(search("params.lr = '0.1'")) == ["alpha", "gamma"]
    assert sorted(search("tags.team = 'risk'")) == ["alpha", "beta"]
    assert search("name = 'beta'") == ["beta"]
    # (A status filter is left out: MLflow 3.17 compares the stored enum
    # number with the name and matches nothing.)
    assert sorted(search("name LIKE '%a'")) == ["alpha", "beta", "gamma"]
    assert search("params.lr = '0.1' AND tags.team = 'ops'") == ["gamma"]

    page = client.search_logged_models([exp_id], max_results=2, order_by=[{"field_name": "name"}])
    assert [m.name for m in page] == ["alpha", "beta"] and page.token
    rest_page = client.search_logged_models(
        [exp_id], max_results=2, order_by=[{"field_name": "name"}], page_token=page.token
    )
    assert [m.name for m in rest_page] == ["gamma"] and not rest_page.token


def test_search_logged_models_bad_filter(client, exp_id, models):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_logged_models([exp_id], filter_string="name = ")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_logged_models([exp_id], filter_string="nope.x = 'y'")


def test_logged_model_errors(client):
    missing = "m-0123456789abcdef0123456789abcdef"
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_logged_model(missing)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.finalize_logged_model(missing, "READY")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.create_logged_model("987654321", name="x")
