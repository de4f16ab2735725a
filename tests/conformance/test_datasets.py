"""MLflow 3 GenAI evaluation datasets and registered scorers.

Datasets through mlflow.genai.datasets (create, merge_records, to_df, search,
get, delete) and raw REST where the client hides what the server does (upsert
counts, merge by inputs, record paging, experiment links, errors). Scorers
through mlflow.genai.scorers with a built-in judge, which the server only
stores: a @scorer function, whose serialized form carries Python code, is
refused by both servers.
"""

import json

import mlflow
import pytest
from mlflow.genai.datasets import (
    add_dataset_to_experiments,
    create_dataset,
    delete_dataset,
    get_dataset,
    remove_dataset_from_experiments,
    search_datasets,
)

from support import assert_rest_error, assert_rest_ok, raises_code, rest

DS = "/api/3.0/mlflow/datasets"
SC = "/api/3.0/mlflow/scorers"


def _records(dataset_id, **params):
    body = assert_rest_ok(rest("GET", f"{DS}/{dataset_id}/records", params=params))
    return json.loads(body["records"]), body.get("next_page_token")


def test_dataset_round_trip_with_client(exp_id):
    mlflow.set_experiment(experiment_id=exp_id)
    ds = create_dataset(name="qa", experiment_id=[exp_id], tags={"team": "ml"})
    assert ds.dataset_id.startswith("d-")
    ds.merge_records([
        {"inputs": {"q": "a"}, "expectations": {"ans": "x"}},
        {"inputs": {"q": "b", "n": 2}, "outputs": {"r": 1.5}},
    ])
    # Same inputs: merged into the first record, not added.
    ds.merge_records([{"inputs": {"q": "a"}, "expectations": {"ans2": "y"}}])
    df = ds.to_df()
    assert len(df) == 2
    by_q = {row["inputs"]["q"]: row for _, row in df.iterrows()}
    assert by_q["a"]["expectations"] == {"ans": "x", "ans2": "y"}
    assert by_q["b"]["outputs"] == {"r": 1.5}

    got = get_dataset(dataset_id=ds.dataset_id)
    assert got.name == "qa"
    assert got.tags["team"] == "ml"
    assert json.loads(got.profile) == {"num_records": 2}
    schema = json.loads(got.schema)
    assert schema["inputs"] == {"q": "string", "n": "integer"}
    assert schema["outputs"] == {"r": "float"}
    assert schema["expectations"] == {"ans": "string", "ans2": "string"}

    found = search_datasets(experiment_ids=[exp_id])
    assert [d.dataset_id for d in found] == [ds.dataset_id]

    delete_dataset(dataset_id=ds.dataset_id)
    assert_rest_error(rest("GET", f"{DS}/{ds.dataset_id}"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_upsert_counts_merge_and_paging(exp_id):
    body = assert_rest_ok(rest("POST", f"{DS}/create", {"name": "paging", "experiment_ids": [exp_id]}))
    ds = body["dataset"]
    assert ds["experiment_ids"] == [exp_id]
    assert json.loads(ds["tags"]) == {}
    did = ds["dataset_id"]
    recs = [{"inputs": {"q": i}, "tags": {"k": "v"}} for i in range(3)]
    got = assert_rest_ok(rest("POST", f"{DS}/{did}/records", {"records": json.dumps(recs)}))
    assert (got.get("inserted_count", 0), got.get("updated_count", 0)) == (3, 0)
    merge = [{"inputs": {"q": 0}, "expectations": {"e": 1}, "tags": {"k2": "w"}}, {"inputs": {"q": 9}}]
    got = assert_rest_ok(rest("POST", f"{DS}/{did}/records", {"records": json.dumps(merge)}))
    assert (got.get("inserted_count", 0), got.get("updated_count", 0)) == (1, 1)

    page1, token = _records(did, max_results=3)
    assert len(page1) == 3 and token
    page2, token2 = _records(did, max_results=3, page_token=token)
    assert len(page2) == 1 and token2 is None
    everything = {r["inputs"]["q"]: r for r in page1 + page2}
    assert sorted(everything) == [0, 1, 2, 9]
    assert everything[0]["expectations"] == {"e": 1}
    assert everything[0]["tags"] == {"k": "v", "k2": "w"}
    assert everything[1]["outputs"] == {}
    assert all(r["dataset_id"] == did and r["dataset_record_id"].startswith("dr-") for r in page1 + page2)

    gone = [everything[1]["dataset_record_id"], "dr-missing"]
    got = assert_rest_ok(rest("DELETE", f"{DS}/{did}/records", {"dataset_record_ids": gone}))
    assert got["deleted_count"] == 1
    ds = assert_rest_ok(rest("GET", f"{DS}/{did}"))["dataset"]
    assert json.loads(ds["profile"]) == {"num_records": 3}


def test_tags_and_experiment_links(client, exp_id):
    other = client.create_experiment(f"{client.get_experiment(exp_id).name}-other")
    ds = assert_rest_ok(rest("POST", f"{DS}/create", {"name": "links", "experiment_ids": [exp_id]}))["dataset"]
    did = ds["dataset_id"]
    assert_rest_ok(rest("PATCH", f"{DS}/{did}/tags", {"tags": json.dumps({"a": "b", "n": 3})}))
    assert_rest_ok(rest("DELETE", f"{DS}/{did}/tags/a"))
    got = assert_rest_ok(rest("GET", f"{DS}/{did}"))["dataset"]
    assert json.loads(got["tags"]) == {"n": "3"}

    assert_rest_ok(rest("POST", f"{DS}/{did}/add-experiments", {"experiment_ids": [other]}))
    ids = assert_rest_ok(rest("GET", f"{DS}/{did}/experiment-ids"))["experiment_ids"]
    assert sorted(ids) == sorted([exp_id, other])
    assert_rest_ok(rest("POST", f"{DS}/{did}/remove-experiments", {"experiment_ids": [exp_id]}))
    assert assert_rest_ok(rest("GET", f"{DS}/{did}/experiment-ids"))["experiment_ids"] == [other]
    found = assert_rest_ok(rest("POST", f"{DS}/search", {"experiment_ids": [exp_id]}))
    assert found.get("datasets", []) == []


def test_experiment_links_with_fluent_api_and_client(client, exp_id):
    """What MLflow's own *_rest_tracking dataset tests do, with the tracking URI at the server.

    Their harness points the fluent API at the server's database file, which only
    mlflow server shares (tests/mlflow_suite lists them as not applicable); here the
    fluent calls, the client's and the lazy experiment_ids all go through the server.
    """
    others = [client.create_experiment(f"{client.get_experiment(exp_id).name}-{i}") for i in range(3)]
    ds = create_dataset(name="links-fluent", experiment_id=[exp_id], tags={"test": "multi_exp"})
    assert ds.experiment_ids == [exp_id]
    added = add_dataset_to_experiments(dataset_id=ds.dataset_id, experiment_ids=others[:2])
    assert sorted(added.experiment_ids) == sorted([exp_id, *others[:2]])
    # Idempotent: adding a linked experiment again changes nothing.
    again = add_dataset_to_experiments(dataset_id=ds.dataset_id, experiment_ids=[exp_id])
    assert sorted(again.experiment_ids) == sorted([exp_id, *others[:2]])
    removed = client.remove_dataset_from_experiments(dataset_id=ds.dataset_id, experiment_ids=[others[0]])
    assert sorted(removed.experiment_ids) == sorted([exp_id, others[1]])
    # Removing an unlinked experiment is not an error either.
    kept = remove_dataset_from_experiments(dataset_id=ds.dataset_id, experiment_ids=[others[2]])
    assert sorted(kept.experiment_ids) == sorted([exp_id, others[1]])
    assert sorted(client.get_dataset(ds.dataset_id).experiment_ids) == sorted([exp_id, others[1]])
    with pytest.raises(mlflow.exceptions.MlflowException, match="not found"):
        add_dataset_to_experiments(dataset_id="d-nonexistent1234567890abcdef1234", experiment_ids=[exp_id])


def test_search_filter_and_order(exp_id):
    ids = {}
    for name, tags in [("alpha", {"env": "prod"}), ("beta", {}), ("gamma", {"env": "dev"})]:
        body = {"name": name, "experiment_ids": [exp_id], "tags": json.dumps(tags)}
        ids[name] = assert_rest_ok(rest("POST", f"{DS}/create", body))["dataset"]["dataset_id"]

    def names(**req):
        body = assert_rest_ok(rest("POST", f"{DS}/search", {"experiment_ids": [exp_id], **req}))
        return [d["name"] for d in body.get("datasets", [])], body.get("next_page_token")

    assert names(order_by=["name ASC"]) == (["alpha", "beta", "gamma"], None)
    assert names(order_by=["name DESC"])[0] == ["gamma", "beta", "alpha"]
    assert names(filter_string="name LIKE 'a%'")[0] == ["alpha"]
    assert names(filter_string="tags.env = 'dev'")[0] == ["gamma"]
    assert names(filter_string="created_time > 0", order_by=["name ASC"])[0] == ["alpha", "beta", "gamma"]
    first, token = names(order_by=["name ASC"], max_results=2)
    assert first == ["alpha", "beta"] and token
    assert names(order_by=["name ASC"], max_results=2, page_token=token) == (["gamma"], None)


def test_dataset_errors(exp_id):
    assert_rest_error(rest("GET", f"{DS}/d-missing"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest("POST", f"{DS}/create", {}), 400, "INVALID_PARAMETER_VALUE")
    assert_rest_error(rest("PATCH", f"{DS}/d-missing/tags", {"tags": "{}"}), 404, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest("POST", f"{DS}/d-missing/add-experiments", {"experiment_ids": [exp_id]}),
                      404, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest("POST", f"{DS}/search", {"filter_string": "bogus = 1"}), 400, "INVALID_PARAMETER_VALUE")
    assert_rest_error(rest("POST", f"{DS}/search", {"order_by": ["bogus"]}), 400, "INVALID_PARAMETER_VALUE")
    # Deletes of what is not there succeed, as MLflow's do.
    assert_rest_ok(rest("DELETE", f"{DS}/d-missing"))
    assert_rest_ok(rest("DELETE", f"{DS}/d-missing/tags/x"))


def test_scorer_crud(exp_id):
    from mlflow.genai.scorers import RelevanceToQuery, delete_scorer, get_scorer, list_scorers

    mlflow.set_experiment(experiment_id=exp_id)
    judge = RelevanceToQuery()
    judge.register(name="rel")
    judge.register(name="rel")
    assert [s.name for s in list_scorers()] == ["rel"]
    assert get_scorer(name="rel").name == "rel"
    versions = assert_rest_ok(rest("GET", f"{SC}/versions", params={"experiment_id": exp_id, "name": "rel"}))
    assert [v["scorer_version"] for v in versions["scorers"]] == [1, 2]
    assert {v["scorer_id"] for v in versions["scorers"]} == {versions["scorers"][0]["scorer_id"]}
    latest = assert_rest_ok(rest("GET", f"{SC}/get", params={"experiment_id": exp_id, "name": "rel"}))["scorer"]
    assert latest["scorer_version"] == 2 and str(latest["experiment_id"]) == exp_id
    assert json.loads(latest["serialized_scorer"])["builtin_scorer_class"] == "RelevanceToQuery"

    assert_rest_error(rest("GET", f"{SC}/get", params={"experiment_id": exp_id, "name": "rel", "version": "7"}),
                      404, "RESOURCE_DOES_NOT_EXIST")
    delete_scorer(name="rel", version=1)
    versions = assert_rest_ok(rest("GET", f"{SC}/versions", params={"experiment_id": exp_id, "name": "rel"}))
    assert [v["scorer_version"] for v in versions["scorers"]] == [2]
    delete_scorer(name="rel", version="all")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        get_scorer(name="rel")


def test_scorer_errors(exp_id):
    from mlflow.genai.scorers import scorer

    def register(**body):
        return rest("POST", f"{SC}/register", {"experiment_id": exp_id, "name": "s", "serialized_scorer": "{}", **body})

    assert_rest_error(register(serialized_scorer="not json"), 400, "INVALID_PARAMETER_VALUE")
    assert_rest_error(register(name="  "), 400, "INVALID_PARAMETER_VALUE")
    assert_rest_error(register(experiment_id="987654321"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest("GET", f"{SC}/versions", params={"experiment_id": exp_id, "name": "none"}),
                      404, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest("DELETE", f"{SC}/delete", {"experiment_id": exp_id, "name": "none"}),
                      404, "RESOURCE_DOES_NOT_EXIST")

    @scorer
    def shout(outputs) -> bool:
        return str(outputs).isupper()

    mlflow.set_experiment(experiment_id=exp_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        shout.register(name="shout")


def test_genai_evaluate_on_a_dataset(client, exp_id):
    """The everyday flow: a dataset feeds mlflow.genai.evaluate, whose run records it as an input."""
    from mlflow.genai.scorers import scorer

    mlflow.set_experiment(experiment_id=exp_id)
    ds = create_dataset(name="evalqa", experiment_id=[exp_id])
    ds.merge_records([
        {"inputs": {"q": "hello"}, "expectations": {"expected_response": "HELLO"}},
        {"inputs": {"q": "abc"}, "expectations": {"expected_response": "abd"}},
    ])

    @scorer
    def exact(outputs, expectations) -> bool:
        return outputs == expectations["expected_response"]

    def shout(q):
        return q.upper()

    fresh = get_dataset(dataset_id=ds.dataset_id)  # the digest changed with the records
    result = mlflow.genai.evaluate(data=fresh, predict_fn=shout, scorers=[exact])
    assert result.metrics["exact/mean"] == pytest.approx(0.5)
    run = client.get_run(result.run_id)
    assert [(d.dataset.name, d.dataset.digest) for d in run.inputs.dataset_inputs] == [("evalqa", fresh.digest)]
