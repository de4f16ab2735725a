"""MLflow 3 model logging: log_model, logged models, load_model through the server.

`mlflow.sklearn.log_model` is what most users do first with a tracking server.
It needs the logged-model endpoints (create, params, finalize, search), run
outputs and the artifact proxy, so these tests carry both markers.
"""

import uuid

import mlflow
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

pytestmark = [pytest.mark.artifacts, pytest.mark.models]

X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [0.5, 0.2], [2.5, 2.0]])
Y = np.array([0, 0, 1, 1, 0, 1])


@pytest.fixture(scope="module")
def logged_model(tracking_uri):
    """One sklearn model logged in its own run; returns (run_id, ModelInfo, fitted model)."""
    model = LogisticRegression().fit(X, Y)
    exp = mlflow.set_experiment(f"models-{uuid.uuid4().hex[:10]}")
    with mlflow.start_run(experiment_id=exp.experiment_id) as run:
        mlflow.log_param("C", 1.0)
        # Explicit requirements and signature: inferring them costs tens of
        # seconds and is client-side work, not what we test.
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            pip_requirements=["scikit-learn"],
            signature=mlflow.models.infer_signature(X, model.predict(X)),
        )
        mlflow.log_metric("acc", 1.0, model_id=info.model_id)
    return run.info.run_id, info, model


def test_load_model_by_model_uri(logged_model):
    _, info, model = logged_model
    assert info.model_uri == f"models:/{info.model_id}"
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert list(loaded.predict(X)) == list(model.predict(X))


def test_load_model_by_runs_uri(logged_model):
    run_id, _, model = logged_model
    loaded = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=0, atol=0)


def test_logged_model_entity(logged_model):
    run_id, info, _ = logged_model
    lm = mlflow.get_logged_model(info.model_id)
    assert lm.model_id.startswith("m-")
    assert (lm.name, lm.source_run_id, str(lm.status)) == ("model", run_id, "READY")
    exp_id = mlflow.get_run(run_id).info.experiment_id
    assert lm.artifact_location == f"mlflow-artifacts:/{exp_id}/models/{lm.model_id}/artifacts"
    # The run's params are copied onto the model; the metric logged with model_id is attached to it.
    assert lm.params == {"C": "1.0"}
    assert [(m.key, m.value, m.run_id) for m in lm.metrics] == [("acc", 1.0, run_id)]


def test_run_outputs_and_search(logged_model):
    run_id, info, _ = logged_model
    run = mlflow.get_run(run_id)
    assert [o.model_id for o in run.outputs.model_outputs] == [info.model_id]
    found = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id], output_format="list")
    assert [m.model_id for m in found] == [info.model_id]


def test_model_files_are_listed(logged_model):
    _, info, _ = logged_model
    files = {f.path for f in mlflow.artifacts.list_artifacts(artifact_uri=info.model_uri)}
    assert {"MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"} <= files
