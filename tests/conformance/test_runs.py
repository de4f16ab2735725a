"""Runs: create/start, names, nesting, get, update/end, delete/restore, tags."""

import re
import time

import mlflow
import pytest
from mlflow.entities import RunStatus

from support import assert_rest_error, assert_rest_ok, raises_code, rest

GENERATED_NAME = re.compile(r"^[a-z]+-[a-z]+-\d+$")
RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def _now_ms():
    return int(time.time() * 1000)


def test_create_run_with_name_and_tags(client, exp_id):
    before = _now_ms()
    run = client.create_run(exp_id, run_name="my-run", tags={"team": "risk", "k with space": "v"})
    info = run.info
    assert RUN_ID.match(info.run_id), info.run_id
    assert info.run_name == "my-run"
    assert info.experiment_id == exp_id
    assert info.status == "RUNNING"
    assert info.lifecycle_stage == "active"
    assert info.end_time is None
    assert before - 1000 <= info.start_time <= _now_ms() + 1000
    assert info.artifact_uri == f"{client.get_experiment(exp_id).artifact_location}/{info.run_id}/artifacts"
    assert run.data.tags["mlflow.runName"] == "my-run"
    assert run.data.tags["team"] == "risk"
    assert run.data.tags["k with space"] == "v"
    assert run.data.metrics == {} and run.data.params == {}

    got = client.get_run(info.run_id)
    assert got.info.run_id == info.run_id
    assert got.info.run_name == "my-run"
    assert got.data.tags == run.data.tags


def test_create_run_explicit_start_time(client, exp_id):
    run = client.create_run(exp_id, start_time=1234567890123)
    assert client.get_run(run.info.run_id).info.start_time == 1234567890123


def test_generated_run_name(client, exp_id):
    run = client.create_run(exp_id)
    assert GENERATED_NAME.match(run.info.run_name), run.info.run_name
    assert run.data.tags["mlflow.runName"] == run.info.run_name
    assert client.get_run(run.info.run_id).info.run_name == run.info.run_name


def test_run_name_from_tag(client, exp_id):
    run = client.create_run(exp_id, tags={"mlflow.runName": "from-tag"})
    assert run.info.run_name == "from-tag"


def test_run_name_conflicting_with_tag_rest(exp_id):
    # The client reconciles name and tag itself; the server must reject a mismatch.
    resp = rest(
        "POST",
        "runs/create",
        {"experiment_id": exp_id, "run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]},
    )
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_rest_run_ids_and_int64_numbers(exp_id):
    body = assert_rest_ok(rest("POST", "runs/create", {"experiment_id": exp_id, "start_time": 1700000000000}))
    info = body["run"]["info"]
    assert info["run_id"] == info["run_uuid"]
    # int64 fields are JSON numbers on MLflow's wire, not strings.
    assert info["start_time"] == 1700000000000
    assert info["status"] == "RUNNING"
    assert "end_time" not in info
    got = assert_rest_ok(rest("GET", "runs/get", params={"run_id": info["run_id"]}))
    assert got["run"]["info"]["run_id"] == info["run_id"]


def test_fluent_start_run_and_end(exp_name):
    exp = mlflow.set_experiment(exp_name)
    with mlflow.start_run(run_name="fluent") as run:
        run_id = run.info.run_id
        assert mlflow.active_run().info.run_id == run_id
        mlflow.log_param("p", "1")
    got = mlflow.get_run(run_id)
    assert got.info.experiment_id == exp.experiment_id
    assert got.info.run_name == "fluent"
    assert got.info.status == "FINISHED"
    assert got.info.end_time is not None and got.info.end_time >= got.info.start_time
    assert got.data.params == {"p": "1"}


def test_fluent_run_failed_on_exception(exp_name):
    mlflow.set_experiment(exp_name)
    with pytest.raises(ZeroDivisionError):
        with mlflow.start_run() as run:
            1 / 0
    assert mlflow.get_run(run.info.run_id).info.status == "FAILED"


def test_resume_finished_run(exp_name):
    mlflow.set_experiment(exp_name)
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=0)
    with mlflow.start_run(run_id=run.info.run_id):
        assert mlflow.get_run(run.info.run_id).info.status == "RUNNING"
        mlflow.log_metric("m", 2.0, step=1)
    got = mlflow.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.metrics == {"m": 2.0}


def test_nested_runs(exp_name):
    mlflow.set_experiment(exp_name)
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            with mlflow.start_run(nested=True) as grandchild:
                pass
    c = mlflow.get_run(child.info.run_id)
    g = mlflow.get_run(grandchild.info.run_id)
    assert c.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert g.data.tags["mlflow.parentRunId"] == child.info.run_id
    assert "mlflow.parentRunId" not in mlflow.get_run(parent.info.run_id).data.tags
    children = mlflow.search_runs(
        experiment_names=[exp_name],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        output_format="list",
    )
    assert [r.info.run_id for r in children] == [child.info.run_id]


@pytest.mark.parametrize("status", ["FINISHED", "FAILED", "KILLED", "SCHEDULED"])
def test_update_status_and_end_time(client, exp_id, status):
    run = client.create_run(exp_id)
    client.update_run(run.info.run_id, status=status)
    got = client.get_run(run.info.run_id).info
    assert got.status == status
    # Only set_terminated fills end_time; update_run with just a status leaves it alone.
    assert got.end_time is None

    client.set_terminated(run.info.run_id, status=status, end_time=run.info.start_time + 5000)
    got = client.get_run(run.info.run_id).info
    assert (got.status, got.end_time) == (status, run.info.start_time + 5000)


def test_update_back_to_running(client, exp_id):
    run = client.create_run(exp_id)
    client.set_terminated(run.info.run_id)
    client.update_run(run.info.run_id, status="RUNNING")
    assert client.get_run(run.info.run_id).info.status == "RUNNING"


def test_rename_run(client, exp_id):
    run = client.create_run(exp_id, run_name="before")
    client.update_run(run.info.run_id, name="after")
    got = client.get_run(run.info.run_id)
    assert got.info.run_name == "after"
    assert got.data.tags["mlflow.runName"] == "after"
    # Renaming must not touch the status.
    assert got.info.status == "RUNNING"


def test_rename_run_with_tag(client, exp_id):
    run = client.create_run(exp_id, run_name="before")
    client.set_tag(run.info.run_id, "mlflow.runName", "after")
    assert client.get_run(run.info.run_id).info.run_name == "after"


def test_update_end_time_only_keeps_status(client, exp_id):
    # Only the fields present in the request change.
    run = client.create_run(exp_id)
    body = assert_rest_ok(rest("POST", "runs/update", {"run_id": run.info.run_id, "end_time": 77}))
    assert (body["run_info"]["status"], body["run_info"]["end_time"]) == ("RUNNING", 77)
    got = client.get_run(run.info.run_id).info
    assert (got.status, got.end_time) == ("RUNNING", 77)


def test_set_terminated_defaults_to_finished(client, exp_id):
    run = client.create_run(exp_id)
    client.set_terminated(run.info.run_id)
    got = client.get_run(run.info.run_id).info
    assert got.status == "FINISHED" and got.end_time >= got.start_time


def test_update_run_rest_returns_run_info(client, exp_id):
    run = client.create_run(exp_id)
    body = assert_rest_ok(
        rest("POST", "runs/update", {"run_id": run.info.run_id, "status": "KILLED", "end_time": 42})
    )
    assert body["run_info"]["status"] == "KILLED"
    assert body["run_info"]["end_time"] == 42
    assert body["run_info"]["run_id"] == run.info.run_id


def test_delete_and_restore_run(client, exp_id):
    run = client.create_run(exp_id)
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    client.restore_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_update_deleted_run(client, exp_id):
    run = client.create_run(exp_id)
    client.delete_run(run.info.run_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.set_terminated(run.info.run_id)


def test_delete_unknown_run(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_run("0123456789abcdef0123456789abcdef")


def test_get_missing_run(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_run("0123456789abcdef0123456789abcdef")
    resp = rest("GET", "runs/get", params={"run_id": "0123456789abcdef0123456789abcdef"})
    assert_rest_error(resp, 404, "RESOURCE_DOES_NOT_EXIST")


def test_set_and_delete_tag(client, exp_id):
    run = client.create_run(exp_id)
    rid = run.info.run_id
    client.set_tag(rid, "color", "red")
    client.set_tag(rid, "color", "blue")  # tags are overwritable
    client.set_tag(rid, "a.b/c d-e_f", "odd key")
    client.set_tag(rid, "number", 7)  # the client stringifies values
    tags = client.get_run(rid).data.tags
    assert (tags["color"], tags["a.b/c d-e_f"], tags["number"]) == ("blue", "odd key", "7")
    client.delete_tag(rid, "color")
    assert "color" not in client.get_run(rid).data.tags
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_tag(rid, "color")


def test_long_tag_value(client, exp_id):
    run = client.create_run(exp_id)
    value = "x" * 8000
    client.set_tag(run.info.run_id, "long", value)
    assert client.get_run(run.info.run_id).data.tags["long"] == value


def test_run_status_enum_round_trip(client, exp_id):
    run = client.create_run(exp_id)
    client.set_terminated(run.info.run_id, status=RunStatus.to_string(RunStatus.KILLED))
    assert client.get_run(run.info.run_id).info.status == "KILLED"


def test_user_id_is_recorded(client, exp_id):
    run = client.create_run(exp_id, tags={"mlflow.user": "alice"})
    got = client.get_run(run.info.run_id)
    assert got.data.tags["mlflow.user"] == "alice"
    resp = assert_rest_ok(rest("POST", "runs/create", {"experiment_id": exp_id, "user_id": "bob"}))
    assert resp["run"]["info"]["user_id"] == "bob"
    got = client.get_run(resp["run"]["info"]["run_id"])
    assert got.info.user_id == "bob"

