"""Error paths: MLflow's error_code and HTTP status for bad requests.

Most cases are sent raw with `requests`, because the official client checks
many of them before a request leaves the machine; the server must still
answer them the way MLflow does for other clients (the UI, curl, Go, R).
"""

import uuid

import pytest
import requests

from support import assert_rest_error, assert_rest_ok, base_url, raises_code, rest

MISSING_RUN = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def run_id(client, exp_id):
    return client.create_run(exp_id).info.run_id


# --- missing required fields -------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "experiments/create", {}),
        ("POST", "experiments/create", {"name": ""}),
        ("GET", "experiments/get", {}),
        ("GET", "experiments/get-by-name", {}),
        ("POST", "experiments/update", {"experiment_id": "0"}),
        ("POST", "experiments/delete", {}),
        ("POST", "experiments/restore", {}),
        ("POST", "experiments/set-experiment-tag", {"experiment_id": "0", "value": "v"}),
        ("GET", "runs/get", {}),
        ("POST", "runs/update", {"status": "FINISHED"}),
        ("POST", "runs/delete", {}),
        ("POST", "runs/restore", {}),
        ("POST", "runs/log-parameter", {"run_id": "@run", "value": "v"}),
        ("POST", "runs/log-metric", {"run_id": "@run", "key": "m", "value": 1.0}),
        ("POST", "runs/log-metric", {"run_id": "@run", "key": "m", "timestamp": 1}),
        ("POST", "runs/log-metric", {"key": "m", "value": 1.0, "timestamp": 1}),
        ("POST", "runs/delete-tag", {"run_id": "@run"}),
        ("POST", "runs/log-batch", {"metrics": []}),
        ("GET", "metrics/get-history", {"metric_key": "m"}),
        ("GET", "metrics/get-history", {"run_id": "@run"}),
        ("GET", "metrics/get-history-bulk-interval", {"metric_key": "m"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_missing_required_field(run_id, method, path, body):
    body = {k: (run_id if v == "@run" else v) for k, v in body.items()}
    resp = rest(method, path, params=body) if method == "GET" else rest(method, path, body)
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")


# --- wrong JSON types --------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body",
    [
        ("experiments/create", {"name": 123}),
        ("experiments/create", {"name": "x", "artifact_location": 5}),
        ("experiments/create", {"name": "x", "tags": "not-a-list"}),
        ("runs/create", {"experiment_id": 5}),
        ("runs/create", {"experiment_id": "0", "start_time": "soon"}),
        ("runs/log-metric", {"run_id": "@run", "key": "m", "value": "high", "timestamp": 1}),
        ("runs/log-metric", {"run_id": "@run", "key": "m", "value": 1.0, "timestamp": 1, "step": "x"}),
        ("runs/log-batch", {"run_id": "@run", "metrics": "x"}),
        ("runs/search", {"experiment_ids": "0"}),
        ("runs/search", {"experiment_ids": ["0"], "max_results": "many"}),
        ("experiments/search", {"max_results": "many"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_wrong_json_type(run_id, path, body):
    body = {k: (run_id if v == "@run" else v) for k, v in body.items()}
    assert_rest_error(rest("POST", path, body), 400, "INVALID_PARAMETER_VALUE")


def test_content_type_missing_or_wrong():
    url = base_url() + "/api/2.0/mlflow/experiments/create"
    name = f"ctype-{uuid.uuid4().hex}"
    resp = requests.post(url, data=f'{{"name": "{name}"}}', timeout=30)
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")
    resp = requests.post(url, data=f'{{"name": "{name}"}}', headers={"Content-Type": "text/plain"}, timeout=30)
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")
    # A charset parameter is fine.
    resp = requests.post(
        url, data=f'{{"name": "{name}"}}', headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30
    )
    assert_rest_ok(resp)


def test_unparseable_json_body():
    url = base_url() + "/api/2.0/mlflow/experiments/create"
    resp = requests.post(url, data='{"name": ', headers={"Content-Type": "application/json"}, timeout=30)
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")


# --- values the server must validate -----------------------------------------------


@pytest.mark.parametrize(
    "key", ["bad?key", "../escape", "/abs", "k" * 251, "a//b"], ids=["char", "dotdot", "abs", "too-long", "not-normal"]
)
def test_bad_metric_key(run_id, key):
    body = {"run_id": run_id, "key": key, "value": 1.0, "timestamp": 1}
    assert_rest_error(rest("POST", "runs/log-metric", body), 400, "INVALID_PARAMETER_VALUE")


@pytest.mark.parametrize(
    "body",
    [
        {"params": [{"key": "bad?", "value": "v"}]},
        {"tags": [{"key": "../t", "value": "v"}]},
        {"metrics": [{"key": "a b?", "value": 1.0, "timestamp": 1}]},
        {"params": [{"key": "k" * 251, "value": "v"}]},
    ],
    ids=["param-char", "tag-dotdot", "metric-char", "param-too-long"],
)
def test_bad_keys_in_batch(client, run_id, body):
    assert_rest_error(rest("POST", "runs/log-batch", {"run_id": run_id, **body}), 400, "INVALID_PARAMETER_VALUE")
    data = client.get_run(run_id).data
    assert (data.params, data.metrics) == ({}, {})


@pytest.mark.parametrize("path", ["runs/set-tag", "runs/log-parameter"])
def test_key_too_long(run_id, path):
    body = {"run_id": run_id, "key": "k" * 251, "value": "v"}
    assert_rest_error(rest("POST", path, body), 400, "INVALID_PARAMETER_VALUE")


def test_bad_param_key_through_client(client, run_id):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_param(run_id, "k" * 251, "v")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_param(run_id, "what?", "v")


def test_negative_metric_timestamp(run_id):
    body = {"run_id": run_id, "key": "m", "value": 1.0, "timestamp": -1}
    assert_rest_error(rest("POST", "runs/log-metric", body), 400, "INVALID_PARAMETER_VALUE")


def test_long_values_are_truncated(client, run_id):
    # MLflow's server truncates over-long param (6000) and tag (8000) values
    # rather than rejecting them.
    client.log_param(run_id, "long", "v" * 6000 + "w")
    client.set_tag(run_id, "long", "t" * 8000 + "w")
    data = client.get_run(run_id).data
    assert data.params["long"] == "v" * 6000
    assert data.tags["long"] == "t" * 8000


def test_long_param_in_batch_is_truncated(client, run_id):
    body = {"run_id": run_id, "params": [{"key": "long", "value": "v" * 6001}]}
    assert_rest_ok(rest("POST", "runs/log-batch", body))
    assert client.get_run(run_id).data.params["long"] == "v" * 6000


def test_experiment_name_too_long():
    assert_rest_error(rest("POST", "experiments/create", {"name": "x" * 501}), 400, "INVALID_PARAMETER_VALUE")


def test_experiment_tag_key_too_long(exp_id):
    body = {"experiment_id": exp_id, "key": "k" * 251, "value": "v"}
    assert_rest_error(rest("POST", "experiments/set-experiment-tag", body), 400, "INVALID_PARAMETER_VALUE")


def test_experiment_id_not_a_number():
    # MLflow's SQL store checks that experiment IDs are integers before it looks them up.
    assert_rest_error(rest("GET", "experiments/get", params={"experiment_id": "abc"}), 400, "INVALID_PARAMETER_VALUE")
    assert_rest_error(rest("POST", "runs/search", {"experiment_ids": ["abc"]}), 400, "INVALID_PARAMETER_VALUE")


# --- paging and view type arguments ---------------------------------------------------


@pytest.mark.parametrize("path", ["runs/search", "experiments/search"])
@pytest.mark.parametrize("token", ["garbage", "%%%", "bm90LWpzb24="], ids=["garbage", "symbols", "not-json"])
def test_bad_page_token(path, token):
    body = {"experiment_ids": ["0"], "max_results": 10, "page_token": token}
    if path == "experiments/search":
        del body["experiment_ids"]
    assert_rest_error(rest("POST", path, body), 400, "INVALID_PARAMETER_VALUE")


def test_bad_metric_history_page_token(run_id):
    params = {"run_id": run_id, "metric_key": "m", "page_token": "garbage"}
    assert_rest_error(rest("GET", "metrics/get-history", params=params), 400, "INVALID_PARAMETER_VALUE")


def test_bad_page_token_through_client(client, exp_id):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_runs([exp_id], page_token="garbage")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(page_token="garbage")


@pytest.mark.parametrize(
    "path, max_results",
    [
        ("runs/search", 50001),
        ("runs/search", 0),
        ("runs/search", -1),
        ("experiments/search", 50001),
        ("experiments/search", 0),
        ("experiments/search", -5),
    ],
)
def test_max_results_out_of_range(path, max_results):
    body = {"max_results": max_results}
    if path == "runs/search":
        body["experiment_ids"] = ["0"]
    assert_rest_error(rest("POST", path, body), 400, "INVALID_PARAMETER_VALUE")


def test_max_results_at_cap(exp_id):
    assert_rest_ok(rest("POST", "runs/search", {"experiment_ids": [exp_id], "max_results": 50000}))
    assert_rest_ok(rest("POST", "experiments/search", {"max_results": 50000}))


def test_max_results_over_cap_through_client(client, exp_id):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_runs([exp_id], max_results=50001)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(max_results=50001)


@pytest.mark.parametrize("view_type", ["BOGUS", "active_only_please"])
def test_bad_view_type_is_not_a_server_error(exp_id, view_type):
    # The client refuses bad view types itself (ValueError). MLflow's server
    # ignores an unknown enum name and searches active rows; rejecting it with
    # INVALID_PARAMETER_VALUE would be just as good. A 5xx is never right.
    for path, body in [
        ("runs/search", {"experiment_ids": [exp_id], "run_view_type": view_type}),
        ("experiments/search", {"max_results": 10, "view_type": view_type}),
    ]:
        resp = rest("POST", path, body)
        if resp.status_code != 200:
            assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_bad_view_type_through_client(client, exp_id):
    with pytest.raises(ValueError):
        client.search_runs([exp_id], run_view_type=99)


# --- unknown things --------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/2.0/mlflow/no-such-endpoint"),
        ("POST", "/api/2.0/mlflow/runs/no-such-verb"),
        ("GET", "/api/2.0/nothing-here"),
        ("GET", "/api/9.9/mlflow/experiments/get"),
    ],
)
def test_unknown_endpoint_is_404(method, path):
    assert rest(method, path).status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [("GET", "runs/search"), ("GET", "experiments/create"), ("POST", "experiments/get"), ("GET", "runs/log-batch")],
)
def test_wrong_method_is_405(method, path):
    assert rest(method, path).status_code == 405


def test_unknown_resources_through_client(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_run(MISSING_RUN)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_experiment("987654321")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.set_tag(MISSING_RUN, "k", "v")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.set_experiment_tag("987654321", "k", "v")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.restore_run(MISSING_RUN)


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "runs/get", {"run_id": MISSING_RUN}),
        ("POST", "runs/log-batch", {"run_id": MISSING_RUN, "metrics": [{"key": "m", "value": 1, "timestamp": 1}]}),
        ("POST", "runs/update", {"run_id": MISSING_RUN, "status": "FINISHED"}),
        ("POST", "runs/delete", {"run_id": MISSING_RUN}),
        ("GET", "experiments/get", {"experiment_id": "987654321"}),
        ("POST", "experiments/delete", {"experiment_id": "987654321"}),
        ("POST", "experiments/update", {"experiment_id": "987654321", "new_name": "x"}),
    ],
    ids=lambda v: v if isinstance(v, str) and "/" in v else None,
)
def test_unknown_resource_rest_is_404(method, path, body):
    resp = rest(method, path, params=body) if method == "GET" else rest(method, path, body)
    assert_rest_error(resp, 404, "RESOURCE_DOES_NOT_EXIST")


def test_duplicate_experiment_is_400(exp_name, exp_id):
    assert_rest_error(rest("POST", "experiments/create", {"name": exp_name}), 400, "RESOURCE_ALREADY_EXISTS")


def test_health_and_ajax_prefix(exp_id):
    assert requests.get(base_url() + "/health", timeout=30).status_code == 200
    # The UI calls the same API under /ajax-api.
    resp = requests.get(base_url() + "/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": exp_id}, timeout=30)
    assert assert_rest_ok(resp)["experiment"]["experiment_id"] == exp_id
