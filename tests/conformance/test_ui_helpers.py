"""The web UI's helper endpoints: the trace download and the prompt-lab run.

GET /ajax-api/2.0/mlflow/get-trace-artifact sends a trace's spans as MLflow's
traces.json; POST /ajax-api/2.0/mlflow/runs/create-promptlab-run records a
prompt-engineering evaluation as a finished run with its params, tags, table and
model. Both are compared with what mlflow server answers.
"""

import json

import mlflow
import pytest
from mlflow.entities import SpanEvent
from mlflow.entities.trace_data import TraceData

from support import assert_rest_error, assert_rest_ok, rest

DOWNLOAD = "/ajax-api/2.0/mlflow/get-trace-artifact"
PROMPTLAB = "/ajax-api/2.0/mlflow/runs/create-promptlab-run"


def test_trace_download(exp_id):
    mlflow.set_experiment(experiment_id=exp_id)
    with mlflow.start_span(name="root") as span:
        span.set_attributes({"fruit": "apple", "n": 3, "x": 1.5, "l": [1, "two"], "d": {"k": None}, "u": "é"})
        span.add_event(SpanEvent("tick", timestamp=99999, attributes={"foo": "bar", "i": 2}))
        with mlflow.start_span(name="child") as child:
            child.set_inputs({"q": "hi"})
    mlflow.flush_trace_async_logging()

    resp = rest("GET", DOWNLOAD, params={"request_id": span.trace_id})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Disposition"] == "attachment; filename=traces.json"
    body = json.loads(resp.content)
    assert [s["name"] for s in body["spans"]] == ["root", "child"]
    data = TraceData.from_dict(body)
    assert data.spans[0].to_dict() == span.to_dict()
    assert data.spans[1].to_dict() == child.to_dict()
    # What the download holds is what the trace API answers.
    stored = mlflow.get_trace(span.trace_id).data.spans
    assert [s.to_dict() for s in data.spans] == [s.to_dict() for s in stored]
    assert body["spans"][0]["attributes"]["fruit"] == '"apple"'
    assert body["spans"][0]["events"][0]["attributes"] == {"foo": "bar", "i": 2}

    assert_rest_error(rest("GET", DOWNLOAD), 400, "BAD_REQUEST")
    assert_rest_error(rest("GET", DOWNLOAD, params={"request_id": "tr-" + "0" * 32}), 404, "RESOURCE_DOES_NOT_EXIST")
    for bad in ["../../etc/passwd", "/etc/passwd", "not-a-uuid"]:
        assert_rest_error(rest("GET", DOWNLOAD, params={"request_id": span.trace_id, "path": bad}),
                          400, "INVALID_PARAMETER_VALUE")


def _promptlab_body(exp_id, **over):
    body = {
        "experiment_id": exp_id, "run_name": "lab", "prompt_template": "Say {{ word }}",
        "prompt_parameters": [{"key": "word", "value": "hi"}, {"key": "n", "value": 3}],
        "model_route": "chat", "model_parameters": [{"key": "temperature", "value": 0.5}],
        "model_input": "Say hi", "model_output": "hi!", "model_output_parameters": [{"key": "latency", "value": 12}],
        "mlflow_version": mlflow.__version__, "user_id": "ana", "start_time": 1234,
    }
    body.update(over)
    return body


@pytest.mark.parametrize("missing", ["experiment_id", "prompt_template", "prompt_parameters", "model_route",
                                     "model_input", "mlflow_version"])
def test_promptlab_run_requires(exp_id, missing):
    body = _promptlab_body(exp_id)
    del body[missing]
    err = assert_rest_error(rest("POST", PROMPTLAB, body), 400, "INVALID_PARAMETER_VALUE")
    assert err["message"] == f"CreatePromptlabRun request must specify {missing}."


def test_promptlab_run(client, exp_id):
    run = assert_rest_ok(rest("POST", PROMPTLAB, _promptlab_body(exp_id)))["run"]
    info, data = run["info"], run["data"]
    assert (info["run_name"], info["user_id"], info["status"], info["start_time"]) == ("lab", "ana", "FINISHED", 1234)
    assert info["experiment_id"] == exp_id
    params = {p["key"]: p["value"] for p in data["params"]}
    assert params == {"temperature": "0.5", "model_route": "chat", "prompt_template": "Say {{ word }}"}
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert tags["mlflow.runSourceType"] == "PROMPT_ENGINEERING"
    assert tags["mlflow.loggedArtifacts"] == '[{"path": "eval_results_table.json", "type": "table"}]'
    history = json.loads(tags["mlflow.log-model.history"])
    assert [(h["run_id"], h["artifact_path"], h["flavors"]) for h in history] == [(info["run_id"], "model", {})]

    run_id = info["run_id"]
    assert {f.path for f in client.list_artifacts(run_id)} == {"eval_results_table.json", "model"}
    assert {f.path for f in client.list_artifacts(run_id, "model")} == {
        "model/MLmodel", "model/conda.yaml", "model/input_example.json", "model/parameters.yaml",
        "model/python_env.yaml", "model/requirements.txt", "model/serving_input_example.json"}
    table = mlflow.artifacts.load_dict(f"runs:/{run_id}/eval_results_table.json")
    assert table == {"columns": ["word", "n", "prompt", "output", "latency"], "data": [["hi", "3", "Say hi", "hi!", "12"]]}
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/model/input_example.json") == {"inputs": ["hi", "3"]}
    model = mlflow.models.get_model_info(f"runs:/{run_id}/model")
    assert model.flavors["python_function"]["loader_module"] == "mlflow.prompt.promptlab_model"
    assert [c["name"] for c in model.signature.inputs.to_dict()] == ["word", "n"]
