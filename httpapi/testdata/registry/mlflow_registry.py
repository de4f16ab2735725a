"""Drives Weir's registry, webhooks and logged models with MLflow's own
Python client. Run by TestMLflowPythonRegistry with MLFLOW_TRACKING_URI
set; prints OK when every check passed and exits non-zero otherwise.
"""

import os
import tempfile

import mlflow
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.entities.webhook import WebhookEvent, WebhookStatus
from mlflow.exceptions import MlflowException


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except MlflowException as e:
        assert e.error_code == code, (e.error_code, code, str(e))
        return
    raise AssertionError(f"expected {code} from {fn.__name__}")


client = MlflowClient()
hook_url = os.environ["WEIR_HOOK_URL"]

hook = client.create_webhook(
    name="ci",
    url=hook_url,
    events=[WebhookEvent("model_version", "created"), WebhookEvent("model_version_alias", "created")],
    secret="py-secret",
)
assert hook.status == WebhookStatus.ACTIVE and hook.secret is None, hook
assert [w.webhook_id for w in client.list_webhooks()] == [hook.webhook_id]
result = client.test_webhook(hook.webhook_id)
assert result.success and result.response_status == 200, result
hook = client.update_webhook(hook.webhook_id, description="notify")
assert hook.description == "notify", hook

# MLflow 3 logging: a logged model with files, params, tags, then finalized.
exp_id = client.create_experiment("registry-py")
mlflow.set_experiment(experiment_id=exp_id)
with mlflow.start_run() as run:
    model = mlflow.create_external_model(name="bank-gbdt", params={"depth": "3"}, tags={"kind": "gbdt"})
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.json")
        with open(path, "w") as f:
            f.write('{"trees": []}')
        mlflow.log_artifact(path)
    mlflow.log_metric("auc", 0.91, model_id=model.model_id)
lm = client.get_logged_model(model.model_id)
assert lm.name == "bank-gbdt" and lm.params == {"depth": "3"} and lm.tags.get("kind") == "gbdt", lm
client.set_logged_model_tags(model.model_id, {"stage": "dev"})
client.delete_logged_model_tag(model.model_id, "stage")
found = client.search_logged_models(experiment_ids=[exp_id], filter_string="name = 'bank-gbdt'")
assert [m.model_id for m in found] == [model.model_id], found

# Registry lifecycle.
client.create_registered_model("bank", tags={"team": "risk"}, description="term deposits")
expect_error("RESOURCE_ALREADY_EXISTS", client.create_registered_model, "bank")
mv = client.create_model_version("bank", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
assert mv.version == "1", mv
mv2 = client.create_model_version("bank", "s3://bucket/bank/2", tags={"k": "v"})
assert mv2.version == "2" and mv2.tags == {"k": "v"}, mv2
client.set_registered_model_alias("bank", "champion", "2")
assert client.get_model_version_by_alias("bank", "champion").version == "2"
client.set_model_version_tag("bank", "2", "auc", "0.91")
client.delete_model_version_tag("bank", "2", "auc")
client.update_model_version("bank", "2", description="second")
client.transition_model_version_stage("bank", "1", "Staging")
latest = client.get_latest_versions("bank", stages=["Staging"])
assert [v.version for v in latest] == ["1"], latest
assert client.get_model_version_download_uri("bank", "2") == "s3://bucket/bank/2"
rm = client.get_registered_model("bank")
assert rm.aliases == {"champion": "2"} and rm.tags == {"team": "risk"}, rm
assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'ba%'")] == ["bank"]
versions = client.search_model_versions("name = 'bank'", order_by=["version_number ASC"])
assert [v.version for v in versions] == ["1", "2"], versions
client.set_registered_model_tag("bank", "owner", "ana")
client.delete_registered_model_tag("bank", "owner")
client.update_registered_model("bank", description="updated")
client.rename_registered_model("bank", "bank-renamed")
client.delete_registered_model_alias("bank-renamed", "champion")
client.delete_model_version("bank-renamed", "1")
expect_error("RESOURCE_DOES_NOT_EXIST", client.get_model_version, "bank-renamed", "1")
client.delete_registered_model("bank-renamed")
expect_error("RESOURCE_DOES_NOT_EXIST", client.get_registered_model, "bank-renamed")

# The whole MLflow 3 model flow: log_model creates, uploads and finalizes a
# logged model; register_model makes a version of it; models:/ URIs load
# it back through the registry and the artifact proxy.
import numpy as np
from sklearn.linear_model import LogisticRegression

X = np.array([[0.0], [1.0], [2.0], [3.0]])
y = np.array([0, 0, 1, 1])
with mlflow.start_run():
    info = mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="clf")
logged = client.get_logged_model(info.model_id)
assert logged.status == LoggedModelStatus.READY, logged.status
registered = mlflow.register_model(f"models:/{info.model_id}", "bank-sk")
assert registered.version == "1", registered
client.set_registered_model_alias("bank-sk", "prod", "1")
loaded = mlflow.pyfunc.load_model("models:/bank-sk@prod")
assert list(loaded.predict(X)) == [0, 0, 1, 1], loaded.predict(X)

client.delete_webhook(hook.webhook_id)
expect_error("RESOURCE_DOES_NOT_EXIST", client.get_webhook, hook.webhook_id)
assert client.finalize_logged_model(model.model_id, LoggedModelStatus.READY).status == LoggedModelStatus.READY
client.delete_logged_model(model.model_id)
print("OK")
