"""POST /graphql, the GraphQL endpoint MLflow's web UI queries.

The answer is always 200 with {"data": ..., "errors": [...]}: errors is a list
of message strings, null when there are none. Fields mirror the REST calls
(inputs in camelCase, int64 values as strings), a field whose call fails is
null with the REST error's message in errors, and documents past the server's
limits (root fields, aliases per level, depth, total selections) are refused
before anything runs. Only what the UI relies on is compared exactly; the
wording of GraphQL validation errors belongs to each server's library.
"""

import math

import pytest
import requests
from mlflow.entities import Dataset, DatasetInput, InputTag

from support import base_url


def gql(query, variables=None, operation=None):
    """Send one GraphQL request; return (data, errors)."""
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    resp = requests.post(base_url() + "/graphql", json=body, timeout=60)
    assert resp.status_code == 200, f"status {resp.status_code}: {resp.text[:500]}"
    assert resp.headers["Content-Type"].startswith("application/json")
    out = resp.json()
    assert set(out) == {"data", "errors"}, out
    return out["data"], out["errors"]


def test_echo_and_test_mutation():
    data, errors = gql('query testQuery { test(inputString: "abc") { output } }', operation="testQuery")
    assert errors is None
    assert data == {"test": {"output": "abc"}}
    data, errors = gql('mutation { testMutation(inputString: "abc") { output } }')
    assert errors is None
    assert data == {"testMutation": None}


def test_get_experiment_with_typename(client, exp_id, exp_name):
    client.set_experiment_tag(exp_id, "team", "ml")
    data, errors = gql(
        '{ __typename mlflowGetExperiment(input: {experimentId: "%s"}) {'
        " __typename apiError { code } experiment { __typename experimentId name lifecycleStage"
        " creationTime lastUpdateTime tags { key value } } } }" % exp_id
    )
    assert errors is None
    exp = client.get_experiment(exp_id)
    got = data["mlflowGetExperiment"]
    assert data["__typename"] == "Query"
    assert got["__typename"] == "MlflowGetExperimentResponse"
    assert got["apiError"] is None
    assert got["experiment"] == {
        "__typename": "MlflowExperiment",
        "experimentId": exp_id,
        "name": exp_name,
        "lifecycleStage": "active",
        "creationTime": str(exp.creation_time),
        "lastUpdateTime": str(exp.last_update_time),
        "tags": [{"key": "team", "value": "ml"}],
    }


def test_get_run_with_nested_fields_and_nan(client, exp_id, exp_name):
    run = client.create_run(exp_id)
    run_id = run.info.run_id
    client.log_metric(run_id, "normal", 123, timestamp=1, step=1)
    client.log_metric(run_id, "nan", math.nan, timestamp=2, step=2)
    client.log_param(run_id, "p", "v")
    model = f"gql-{exp_id}"
    client.create_registered_model(model)
    client.create_model_version(model, f"runs:/{run_id}/model", run_id)
    data, errors = gql(
        """query testQuery @component(name: "Test") {
            mlflowGetRun(input: {runId: "%s"}) { run {
                __typename
                info { runId runUuid status startTime endTime experimentId lifecycleStage }
                data { metrics { key value timestamp step } params { key value } }
                inputs { datasetInputs { dataset { name } } }
                experiment { name }
                modelVersions { name version runId status currentStage tags { key } }
            } }
        }"""
        % run_id,
        operation="testQuery",
    )
    assert errors is None
    got = data["mlflowGetRun"]["run"]
    assert got["__typename"] == "MlflowRunExtension"
    assert got["info"] == {
        "runId": run_id,
        "runUuid": run_id,
        "status": "RUNNING",
        "startTime": str(run.info.start_time),
        "endTime": "0",
        "experimentId": exp_id,
        "lifecycleStage": "active",
    }
    metrics = sorted(got["data"]["metrics"], key=lambda m: m["key"])
    assert metrics == [
        {"key": "nan", "value": None, "timestamp": "2", "step": "2"},
        {"key": "normal", "value": 123, "timestamp": "1", "step": "1"},
    ]
    assert got["data"]["params"] == [{"key": "p", "value": "v"}]
    assert got["inputs"] == {"datasetInputs": []}
    assert got["experiment"] == {"name": exp_name}
    assert got["modelVersions"] == [
        {"name": model, "version": "1", "runId": run_id, "status": "READY", "currentStage": "None", "tags": []}
    ]


def test_search_runs_as_mutation_and_query(client, exp_id):
    first = client.create_run(exp_id).info.run_id
    second = client.create_run(exp_id).info.run_id
    data, errors = gql(
        'mutation testMutation { mlflowSearchRuns(input: { experimentIds: ["%s"] }) { runs { info { runId } } } }'
        % exp_id,
        operation="testMutation",
    )
    assert errors is None
    assert data["mlflowSearchRuns"]["runs"] == [{"info": {"runId": second}}, {"info": {"runId": first}}]

    query = """query ($ids: [String], $token: String) {
        mlflowSearchRuns(input: {experimentIds: $ids, maxResults: 1, pageToken: $token}) {
            runs { info { runId } } nextPageToken } }"""
    data, errors = gql(query, variables={"ids": [exp_id]})
    assert errors is None
    page = data["mlflowSearchRuns"]
    assert page["runs"] == [{"info": {"runId": second}}]
    assert page["nextPageToken"]
    data, errors = gql(query, variables={"ids": [exp_id], "token": page["nextPageToken"]})
    assert errors is None
    assert data["mlflowSearchRuns"]["runs"] == [{"info": {"runId": first}}]


def test_metric_history_bulk_interval(client, exp_id):
    run_id = client.create_run(exp_id).info.run_id
    for i in range(10):
        client.log_metric(run_id, "metric_0", i, step=i, timestamp=100 + i)
    data, errors = gql(
        '{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["%s"], metricKey: "metric_0"}) {'
        " metrics { key value timestamp step runId } } }" % run_id
    )
    assert errors is None
    assert data["mlflowGetMetricHistoryBulkInterval"]["metrics"] == [
        {"key": "metric_0", "value": i, "timestamp": str(100 + i), "step": str(i), "runId": run_id} for i in range(10)
    ]


@pytest.mark.artifacts
def test_list_artifacts(client, exp_id, tmp_path):
    run_id = client.create_run(exp_id).info.run_id
    f = tmp_path / "test.txt"
    f.write_text("hello world")
    client.log_artifact(run_id, str(f))
    client.log_artifact(run_id, str(f), "testDir")
    query = '{ %s: mlflowListArtifacts(input: {runId: "%s"%s}) { files { path isDir fileSize } } }'
    data, errors = gql(query % ("files", run_id, ""))
    assert errors is None
    assert data["files"]["files"] == [
        {"path": "test.txt", "isDir": False, "fileSize": "11"},
        {"path": "testDir", "isDir": True, "fileSize": "0"},
    ]
    data, errors = gql(query % ("subdir", run_id, ', path: "testDir"'))
    assert errors is None
    assert data["subdir"]["files"] == [{"path": "testDir/test.txt", "isDir": False, "fileSize": "11"}]


def test_search_datasets(client, exp_id):
    run_id = client.create_run(exp_id).info.run_id
    client.log_inputs(run_id, [
        DatasetInput(Dataset(name="d1", digest="12345", source_type="script", source="test"), tags=[]),
        DatasetInput(
            Dataset(name="d2", digest="12346", source_type="script", source="test"),
            tags=[InputTag(key="mlflow.data.context", value="training")],
        ),
    ])
    data, errors = gql(
        'mutation { mlflowSearchDatasets(input: {experimentIds: ["%s"]}) {'
        " datasetSummaries { experimentId name digest context } } }" % exp_id
    )
    assert errors is None
    assert sorted(data["mlflowSearchDatasets"]["datasetSummaries"], key=lambda d: d["digest"]) == [
        {"experimentId": exp_id, "name": "d1", "digest": "12345", "context": ""},
        {"experimentId": exp_id, "name": "d2", "digest": "12346", "context": "training"},
    ]


def test_search_model_versions(client, exp_id):
    run_id = client.create_run(exp_id).info.run_id
    model = f"gql-search-{exp_id}"
    client.create_registered_model(model)
    client.create_model_version(model, f"runs:/{run_id}/model", run_id)
    client.create_model_version(model, f"runs:/{run_id}/model", run_id)
    data, errors = gql(
        """{ mlflowSearchModelVersions(input: {filter: "name='%s'", orderBy: ["version_number ASC"], maxResults: 1}) {
            modelVersions { name version source aliases } nextPageToken } }"""
        % model
    )
    assert errors is None
    got = data["mlflowSearchModelVersions"]
    assert got["modelVersions"] == [
        {"name": model, "version": "1", "source": f"runs:/{run_id}/model", "aliases": []}
    ]
    assert got["nextPageToken"]


def test_failed_field_is_null_with_the_rest_message():
    data, errors = gql('{ mlflowGetRun(input: {runId: "no-such-run"}) { run { info { runId } } } }')
    assert data == {"mlflowGetRun": None}
    assert errors == ["Run with id=no-such-run not found"]
    data, errors = gql('{ a: test(inputString: "x") { output } b: mlflowGetExperiment(input: {experimentId: "987654321"}) { experiment { name } } }')
    assert data == {"a": {"output": "x"}, "b": None}
    assert errors == ["No Experiment with id=987654321 exists"]


def test_invalid_documents():
    data, errors = gql("{ nope }")
    assert data is None
    assert len(errors) == 1 and "Cannot query field" in errors[0] and "nope" in errors[0]
    data, errors = gql('{ mlflowGetExperiment(input: {experimentId: 5}) { experiment { name } } }')
    assert data is None and len(errors) == 1
    two = 'query a { test(inputString: "x") { output } } query b { test(inputString: "y") { output } }'
    data, errors = gql(two)
    assert data is None and len(errors) == 1
    data, errors = gql(two, operation="b")
    assert errors is None and data == {"test": {"output": "y"}}


def test_variables():
    data, errors = gql("query Q($s: String) { test(inputString: $s) { output } }", variables={"s": "v"}, operation="Q")
    assert errors is None and data == {"test": {"output": "v"}}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "query q {" + " ".join(f'k{i}: test(inputString: "abc") {{ output }}' for i in range(12)) + "}",
            "GraphQL queries should have at most 10 root fields, got 12 root fields",
        ),
        (
            'query q { mlflowGetExperiment(input: {experimentId: "0"}) {'
            + " ".join(f"e{i}: experiment {{ name }}" for i in range(12))
            + "}}",
            "GraphQL queries should have at most 10 aliases, got 12 aliases",
        ),
        (
            'query q { mlflowGetExperiment(input: {experimentId: "0"}) { experiment { '
            + "name { " * 12 + "name" + " }" * 12
            + " } } }",
            "Query exceeds maximum depth of 10",
        ),
        (
            'query q { mlflowGetExperiment(input: {experimentId: "0"}) { experiment { '
            + " ".join(f"f{i} {{ name }}" for i in range(1002))
            + " } } }",
            "Query exceeds maximum total selections of 1000",
        ),
    ],
    ids=["root fields", "aliases", "depth", "selections"],
)
def test_limits(query, message):
    data, errors = gql(query)
    assert data is None
    assert len(errors) == 1 and errors[0].startswith(message), errors
