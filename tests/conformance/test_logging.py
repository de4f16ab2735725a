"""Logging: params, metrics (NaN, ±inf, steps, timestamps), log_batch limits, log_input."""

import math
import sys
import time

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.entities import Metric, Param, RunTag

from support import assert_rest_error, assert_rest_ok, raises_code, rest

MAX_METRICS = 1000
MAX_PARAMS_OR_TAGS = 100
MAX_ENTITIES = 1000


@pytest.fixture()
def run_id(client, exp_id):
    return client.create_run(exp_id).info.run_id


def _same_float(got, want):
    """NaN equals NaN. MLflow's SQL store keeps ±inf as ±DBL_MAX, so accept either for ±inf."""
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want or got == math.copysign(sys.float_info.max, want)
    return got == want


# --- params ---------------------------------------------------------------


def test_params_are_write_once(client, run_id):
    client.log_param(run_id, "lr", "0.1")
    client.log_param(run_id, "lr", "0.1")  # same value again is fine
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_param(run_id, "lr", "0.2")
    assert client.get_run(run_id).data.params == {"lr": "0.1"}


def test_params_write_once_in_batch(client, run_id):
    client.log_batch(run_id, params=[Param("a", "1")])
    client.log_batch(run_id, params=[Param("a", "1"), Param("b", "2")])
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_batch(run_id, params=[Param("a", "changed")])
    assert client.get_run(run_id).data.params == {"a": "1", "b": "2"}


def test_duplicate_param_keys_in_one_batch(run_id):
    body = {"run_id": run_id, "params": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}
    assert_rest_error(rest("POST", "runs/log-batch", body), 400, "INVALID_PARAMETER_VALUE")


def test_param_values_are_strings(client, run_id):
    client.log_param(run_id, "int", 3)
    client.log_param(run_id, "float", 0.25)
    client.log_param(run_id, "none", None)
    client.log_param(run_id, "long", "v" * 6000)
    params = client.get_run(run_id).data.params
    assert params == {"int": "3", "float": "0.25", "none": "None", "long": "v" * 6000}


def test_fluent_log_params(exp_name):
    mlflow.set_experiment(exp_name)
    with mlflow.start_run() as run:
        mlflow.log_params({"depth": 5, "loss": "log_loss"})
    assert mlflow.get_run(run.info.run_id).data.params == {"depth": "5", "loss": "log_loss"}


# --- metrics --------------------------------------------------------------


@pytest.mark.parametrize("value", [0.0, -1.5, 1e-300, 1e300, float("nan"), float("inf"), float("-inf")])
def test_metric_special_values(client, run_id, value):
    client.log_metric(run_id, "m", value, timestamp=10, step=3)
    latest = client.get_run(run_id).data.metrics["m"]
    assert _same_float(latest, value), f"latest: got {latest}, want {value}"
    (point,) = client.get_metric_history(run_id, "m")
    assert _same_float(point.value, value)
    assert (point.key, point.step, point.timestamp) == ("m", 3, 10)


def test_metric_nan_on_the_wire(client, run_id):
    client.log_metric(run_id, "m", float("nan"), timestamp=1)
    body = assert_rest_ok(rest("GET", "metrics/get-history", params={"run_id": run_id, "metric_key": "m"}))
    # Protobuf JSON spells NaN as a string.
    assert body["metrics"][0]["value"] == "NaN"


def test_metric_steps_timestamps_and_latest(client, run_id):
    points = [
        # (value, timestamp, step)
        (1.0, 100, 0),
        (2.0, 50, 1),
        (3.0, 300, 1),
        (0.5, 10, 5),  # highest step wins even with the oldest timestamp
        (9.0, 999, 2),
        (-4.0, 5, -1),  # negative steps are allowed
    ]
    for value, ts, step in points:
        client.log_metric(run_id, "loss", value, timestamp=ts, step=step)
    history = client.get_metric_history(run_id, "loss")
    got = sorted((m.step, m.timestamp, m.value) for m in history)
    want = sorted((step, ts, value) for value, ts, step in points)
    assert got == want
    # The latest value is the one with the greatest (step, timestamp, value).
    assert client.get_run(run_id).data.metrics["loss"] == 0.5


def test_latest_metric_ties_on_step_use_timestamp(client, run_id):
    client.log_metric(run_id, "acc", 0.9, timestamp=200, step=7)
    client.log_metric(run_id, "acc", 0.1, timestamp=100, step=7)
    assert client.get_run(run_id).data.metrics["acc"] == 0.9


def test_metric_int64_step_and_timestamp(client, run_id):
    client.log_metric(run_id, "m", 1.0, timestamp=2**41, step=2**40)
    (point,) = client.get_metric_history(run_id, "m")
    assert (point.step, point.timestamp) == (2**40, 2**41)


@pytest.mark.parametrize(
    "sent, want", [("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf")), (2, 2.0)]
)
def test_metric_values_as_protobuf_json(client, run_id, sent, want):
    # Protobuf JSON allows these strings for doubles; the client sends them for NaN and ±inf.
    assert_rest_ok(rest("POST", "runs/log-metric", {"run_id": run_id, "key": "m", "value": sent, "timestamp": 5}))
    assert _same_float(client.get_run(run_id).data.metrics["m"], want)


def test_legacy_run_uuid_field(client, run_id):
    # Old clients send run_uuid instead of run_id.
    assert_rest_ok(rest("POST", "runs/log-metric", {"run_uuid": run_id, "key": "m", "value": 2.0, "timestamp": 5}))
    assert_rest_ok(rest("POST", "runs/log-parameter", {"run_uuid": run_id, "key": "p", "value": "v"}))
    assert_rest_ok(rest("POST", "runs/set-tag", {"run_uuid": run_id, "key": "t", "value": "v"}))
    body = assert_rest_ok(rest("GET", "runs/get", params={"run_uuid": run_id}))
    assert body["run"]["info"]["run_id"] == run_id
    data = client.get_run(run_id).data
    assert (data.metrics, data.params, data.tags["t"]) == ({"m": 2.0}, {"p": "v"}, "v")


def test_metric_default_step_and_timestamp(client, run_id):
    before = int(time.time() * 1000)
    client.log_metric(run_id, "m", 1.0)
    (point,) = client.get_metric_history(run_id, "m")
    assert point.step == 0
    assert before - 1000 <= point.timestamp <= int(time.time() * 1000) + 1000


def test_same_metric_point_twice(client, run_id):
    # A retried request resubmits the same point; MLflow keeps one copy of
    # an identical (key, value, timestamp, step).
    client.log_batch(run_id, metrics=[Metric("m", 1.0, 5, 0)])
    client.log_batch(run_id, metrics=[Metric("m", 1.0, 5, 0)])
    assert [(m.value, m.timestamp, m.step) for m in client.get_metric_history(run_id, "m")] == [(1.0, 5, 0)]


def test_same_step_and_timestamp_different_values(client, run_id):
    client.log_batch(run_id, metrics=[Metric("d", 1.0, 5, 0), Metric("d", 2.0, 5, 0)])
    assert sorted(m.value for m in client.get_metric_history(run_id, "d")) == [1.0, 2.0]
    # Equal step and timestamp: the greater value is the latest.
    assert client.get_run(run_id).data.metrics["d"] == 2.0


def test_metric_history_of_unknown_key_is_empty(client, run_id):
    assert client.get_metric_history(run_id, "never-logged") == []


def test_metric_history_of_unknown_run_is_empty(client):
    # MLflow does not look the run up for a history query: no run, no points.
    assert client.get_metric_history("0123456789abcdef0123456789abcdef", "m") == []


def test_fluent_log_metrics_with_step(exp_name):
    mlflow.set_experiment(exp_name)
    with mlflow.start_run() as run:
        for step in range(3):
            mlflow.log_metrics({"a": step * 1.0, "b": -step * 1.0}, step=step)
    client = mlflow.MlflowClient()
    assert client.get_run(run.info.run_id).data.metrics == {"a": 2.0, "b": -2.0}
    assert [m.value for m in sorted(client.get_metric_history(run.info.run_id, "b"), key=lambda m: m.step)] == [
        0.0,
        -1.0,
        -2.0,
    ]


# --- log_batch limits (sent raw: the client splits big batches itself) -----


def _metrics(n):
    return [{"key": f"m{i}", "value": float(i), "timestamp": 1000 + i, "step": 0} for i in range(n)]


def _kv(n, prefix):
    return [{"key": f"{prefix}{i}", "value": str(i)} for i in range(n)]


@pytest.mark.parametrize(
    "metrics, params, tags",
    [
        (MAX_METRICS, 0, 0),
        (0, MAX_PARAMS_OR_TAGS, 0),
        (0, 0, MAX_PARAMS_OR_TAGS),
        (MAX_ENTITIES - 2 * MAX_PARAMS_OR_TAGS, MAX_PARAMS_OR_TAGS, MAX_PARAMS_OR_TAGS),
    ],
    ids=["1000-metrics", "100-params", "100-tags", "1000-mixed"],
)
def test_log_batch_at_limits(client, run_id, metrics, params, tags):
    body = {"run_id": run_id, "metrics": _metrics(metrics), "params": _kv(params, "p"), "tags": _kv(tags, "t")}
    assert_rest_ok(rest("POST", "runs/log-batch", body))
    data = client.get_run(run_id).data
    assert len(data.metrics) == metrics
    assert len(data.params) == params
    # The server adds mlflow.runName (and the client nothing else here).
    assert len([k for k in data.tags if not k.startswith("mlflow.")]) == tags
    if metrics:
        assert data.metrics[f"m{metrics - 1}"] == float(metrics - 1)


@pytest.mark.parametrize(
    "metrics, params, tags",
    [
        (MAX_METRICS + 1, 0, 0),
        (0, MAX_PARAMS_OR_TAGS + 1, 0),
        (0, 0, MAX_PARAMS_OR_TAGS + 1),
        (MAX_ENTITIES - 2 * MAX_PARAMS_OR_TAGS + 1, MAX_PARAMS_OR_TAGS, MAX_PARAMS_OR_TAGS),
    ],
    ids=["1001-metrics", "101-params", "101-tags", "1001-mixed"],
)
def test_log_batch_past_limits(client, run_id, metrics, params, tags):
    body = {"run_id": run_id, "metrics": _metrics(metrics), "params": _kv(params, "p"), "tags": _kv(tags, "t")}
    assert_rest_error(rest("POST", "runs/log-batch", body), 400, "INVALID_PARAMETER_VALUE")
    data = client.get_run(run_id).data
    # A rejected batch stores nothing.
    assert (len(data.metrics), len(data.params)) == (0, 0)
    assert [k for k in data.tags if not k.startswith("mlflow.")] == []


def test_client_log_batch_splits_big_batches(client, run_id):
    metrics = [Metric(f"m{i % 7}", float(i), 1000 + i, i) for i in range(2500)]
    params = [Param(f"p{i}", str(i)) for i in range(250)]
    tags = [RunTag(f"t{i}", str(i)) for i in range(150)]
    client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
    data = client.get_run(run_id).data
    assert len(data.params) == 250
    assert len([k for k in data.tags if not k.startswith("mlflow.")]) == 150
    for k in range(7):
        want_last = max(i for i in range(2500) if i % 7 == k)
        assert data.metrics[f"m{k}"] == float(want_last)
    assert len(client.get_metric_history(run_id, "m3")) == len(range(3, 2500, 7))


def test_log_batch_empty_is_ok(run_id):
    assert_rest_ok(rest("POST", "runs/log-batch", {"run_id": run_id}))


def test_log_batch_missing_metric_fields(run_id):
    body = {"run_id": run_id, "metrics": [{"key": "m", "value": 1.0}]}
    assert_rest_error(rest("POST", "runs/log-batch", body), 400, "INVALID_PARAMETER_VALUE")


# --- deleted runs -----------------------------------------------------------


@pytest.mark.parametrize(
    "log",
    [
        lambda c, r: c.log_metric(r, "m", 1.0),
        lambda c, r: c.log_param(r, "p", "v"),
        lambda c, r: c.set_tag(r, "t", "v"),
        lambda c, r: c.log_batch(r, metrics=[Metric("m", 1.0, 1, 0)]),
        lambda c, r: c.log_batch(r, params=[Param("p", "v")]),
        lambda c, r: c.delete_tag(r, "mlflow.runName"),
    ],
    ids=["metric", "param", "tag", "batch-metric", "batch-param", "delete-tag"],
)
def test_logging_to_deleted_run(client, run_id, log):
    client.delete_run(run_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        log(client, run_id)


def test_logging_to_missing_run(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.log_metric("0123456789abcdef0123456789abcdef", "m", 1.0)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.log_param("0123456789abcdef0123456789abcdef", "p", "v")


def test_logging_to_restored_run(client, run_id):
    client.delete_run(run_id)
    client.restore_run(run_id)
    client.log_metric(run_id, "m", 2.0)
    assert client.get_run(run_id).data.metrics == {"m": 2.0}


# --- datasets (log_input) ---------------------------------------------------


def test_log_input_pandas_and_numpy(exp_name):
    mlflow.set_experiment(exp_name)
    frame = pd.DataFrame({"age": [30, 41, 52], "job": ["admin.", "technician", "services"], "y": [0, 1, 0]})
    pandas_ds = mlflow.data.from_pandas(frame, name="bank-2008", targets="y")
    numpy_ds = mlflow.data.from_numpy(np.arange(12, dtype=np.float64).reshape(4, 3), name="features")
    with mlflow.start_run() as run:
        mlflow.log_input(pandas_ds, context="training", tags={"split": "2008"})
        mlflow.log_input(numpy_ds, context="eval")

    inputs = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    by_name = {d.dataset.name: d for d in inputs}
    assert set(by_name) == {"bank-2008", "features"}

    bank = by_name["bank-2008"]
    assert bank.dataset.digest == pandas_ds.digest
    assert bank.dataset.source_type == pandas_ds.source._get_source_type()
    assert bank.dataset.schema == pandas_ds._to_mlflow_entity().schema
    assert bank.dataset.profile == pandas_ds._to_mlflow_entity().profile
    assert {t.key: t.value for t in bank.tags} == {"mlflow.data.context": "training", "split": "2008"}

    feats = by_name["features"]
    assert feats.dataset.digest == numpy_ds.digest
    assert {t.key: t.value for t in feats.tags} == {"mlflow.data.context": "eval"}


def test_log_input_same_dataset_twice_is_stored_once(exp_name):
    mlflow.set_experiment(exp_name)
    ds = mlflow.data.from_numpy(np.ones((2, 2)), name="ones")
    with mlflow.start_run() as run:
        mlflow.log_input(ds, context="training")
        mlflow.log_input(ds, context="training")
    assert len(mlflow.get_run(run.info.run_id).inputs.dataset_inputs) == 1


def test_log_input_to_deleted_run(client, run_id):
    client.delete_run(run_id)
    body = {
        "run_id": run_id,
        "datasets": [
            {"dataset": {"name": "d", "digest": "abc", "source_type": "code", "source": "{}"}, "tags": []}
        ],
    }
    assert_rest_error(rest("POST", "runs/log-inputs", body), 400, "INVALID_PARAMETER_VALUE")
