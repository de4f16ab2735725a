"""Drives a tracking server with MLflow's own Python client.

Run by TestMLflowPythonClient with MLFLOW_TRACKING_URI set; prints OK when
every check passed and exits non-zero otherwise.
"""

import json
import math
import os
import tempfile

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except MlflowException as e:
        assert e.error_code == code, (e.error_code, code, str(e))
        return
    raise AssertionError(f"expected {code} from {fn.__name__}")


client = MlflowClient()
exp_id = client.create_experiment("py-client", tags={"team": "risk"})
expect_error("RESOURCE_ALREADY_EXISTS", client.create_experiment, "py-client")
exp = client.get_experiment_by_name("py-client")
assert exp.experiment_id == exp_id and exp.tags == {"team": "risk"}, exp
assert exp.artifact_location == f"mlflow-artifacts:/{exp_id}", exp.artifact_location

mlflow.set_experiment(experiment_id=exp_id)
with mlflow.start_run(run_name="py") as run:
    run_id = run.info.run_id
    mlflow.log_param("lr", 0.1)
    mlflow.log_params({"depth": 3, "n": 100})
    mlflow.log_metric("loss", 0.5, step=0)
    mlflow.log_metric("loss", float("nan"), step=1)
    mlflow.log_metrics({"auc": 0.8, "inf": float("inf"), "ninf": float("-inf")}, step=2)
    mlflow.set_tag("stage", "dev")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "notes.txt")
        with open(path, "w") as f:
            f.write("hello weir\n")
        mlflow.log_artifact(path, artifact_path="files")
    mlflow.log_dict({"a": 1}, "config/c.json")

r = client.get_run(run_id)
assert r.info.status == "FINISHED" and r.info.end_time is not None, r.info
assert r.info.run_name == "py", r.info.run_name
assert r.data.params == {"lr": "0.1", "depth": "3", "n": "100"}, r.data.params
assert r.data.metrics["auc"] == 0.8, r.data.metrics
assert r.data.metrics["inf"] == math.inf, r.data.metrics
assert r.data.metrics["ninf"] == -math.inf, r.data.metrics
assert r.data.tags["stage"] == "dev", r.data.tags

hist = client.get_metric_history(run_id, "loss")
values = sorted(hist, key=lambda m: m.step)
assert len(values) == 2 and values[0].value == 0.5 and math.isnan(values[1].value), hist

client.log_batch(run_id, metrics=[Metric("batch", i / 10, 1700000000000 + i, i) for i in range(1000)],
                 params=[Param("p%d" % i, str(i)) for i in range(50)], tags=[RunTag("t", "v")])
assert len(client.get_metric_history(run_id, "batch")) == 1000

runs = client.search_runs([exp_id], "metrics.auc > 0.5 and params.lr = '0.1'", order_by=["metrics.auc DESC"])
assert [x.info.run_id for x in runs] == [run_id], runs
assert client.search_runs([exp_id], "metrics.auc > 0.9") == []

top = sorted(a.path for a in client.list_artifacts(run_id))
assert top == ["config", "files"], top
# client.list_artifacts(run_id, "files") would also search MLflow 3 logged
# models, which Weir does not serve; list through the artifact proxy instead.
listed = mlflow.artifacts.list_artifacts(artifact_uri=r.info.artifact_uri + "/files")
assert [(a.path, a.is_dir, a.file_size) for a in listed] == [("files/notes.txt", False, 11)], listed
local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="config/c.json")
with open(local) as f:
    assert json.load(f) == {"a": 1}
with open(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="files/notes.txt")) as f:
    assert f.read() == "hello weir\n"

expect_error("INVALID_PARAMETER_VALUE", client.log_param, run_id, "lr", "0.2")
expect_error("RESOURCE_DOES_NOT_EXIST", client.get_run, "0" * 32)

client.delete_run(run_id)
assert client.search_runs([exp_id]) == []
client.restore_run(run_id)
client.set_experiment_tag(exp_id, "k", "v")
client.rename_experiment(exp_id, "py-client-2")
assert client.get_experiment(exp_id).name == "py-client-2"
exps = client.search_experiments(filter_string="name LIKE 'py-%'")
assert [e.experiment_id for e in exps] == [exp_id], exps
client.delete_experiment(exp_id)
assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
print("OK")
