"""Experiments: create, get, get by name, search, rename, delete, restore, tags."""

import time
import uuid

import mlflow
import pytest
from mlflow.entities import ViewType

from support import assert_rest_error, assert_rest_ok, raises_code, rest


def test_default_experiment_exists(client):
    exp = client.get_experiment("0")
    assert (exp.experiment_id, exp.name, exp.lifecycle_stage) == ("0", "Default", "active")
    assert client.get_experiment_by_name("Default").experiment_id == "0"


def test_create_with_tags_and_artifact_location(client, exp_name, tmp_path):
    before = int(time.time() * 1000)
    location = (tmp_path / "exp-artifacts").as_uri()
    exp_id = client.create_experiment(exp_name, artifact_location=location, tags={"team": "risk", "k.with dot": "v"})
    assert isinstance(exp_id, str) and exp_id.isdigit()

    exp = client.get_experiment(exp_id)
    assert exp.name == exp_name
    assert exp.artifact_location == location
    assert exp.lifecycle_stage == "active"
    assert exp.tags == {"team": "risk", "k.with dot": "v"}
    # Allow a second of clock difference between the test and the server.
    assert before - 1000 <= exp.creation_time <= int(time.time() * 1000) + 1000
    assert exp.last_update_time >= exp.creation_time


def test_default_artifact_location_is_proxied(client, exp_id):
    # Without --default-artifact-root and with artifact serving on, MLflow puts
    # new experiments under mlflow-artifacts:/<id>.
    assert client.get_experiment(exp_id).artifact_location == f"mlflow-artifacts:/{exp_id}"


def test_get_by_name(client, exp_name, exp_id):
    exp = client.get_experiment_by_name(exp_name)
    assert exp is not None and exp.experiment_id == exp_id
    assert mlflow.get_experiment_by_name(exp_name).experiment_id == exp_id


def test_get_by_unknown_name_is_none(client):
    assert client.get_experiment_by_name(f"no-such-{uuid.uuid4().hex}") is None
    assert mlflow.get_experiment_by_name(f"no-such-{uuid.uuid4().hex}") is None


def test_get_by_unknown_name_rest_404(client):
    resp = rest("GET", "experiments/get-by-name", params={"experiment_name": f"no-such-{uuid.uuid4().hex}"})
    assert_rest_error(resp, 404, "RESOURCE_DOES_NOT_EXIST")


def test_get_unknown_id(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_experiment("987654321")


def test_duplicate_name(client, exp_name, exp_id):
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(exp_name)
    resp = rest("POST", "experiments/create", {"name": exp_name})
    assert_rest_error(resp, 400, "RESOURCE_ALREADY_EXISTS")


def test_duplicate_name_of_deleted_experiment(client, exp_name, exp_id):
    # A deleted experiment keeps its name reserved.
    client.delete_experiment(exp_id)
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(exp_name)


def test_fluent_set_experiment_creates_then_reuses(exp_name):
    exp = mlflow.set_experiment(exp_name)
    again = mlflow.set_experiment(exp_name)
    assert again.experiment_id == exp.experiment_id
    assert mlflow.get_experiment(exp.experiment_id).name == exp_name


def test_fluent_set_deleted_experiment(client, exp_name, exp_id):
    client.delete_experiment(exp_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        mlflow.set_experiment(exp_name)


def test_rename(client, exp_name, exp_id):
    new_name = exp_name + "-renamed"
    client.rename_experiment(exp_id, new_name)
    assert client.get_experiment(exp_id).name == new_name
    assert client.get_experiment_by_name(new_name).experiment_id == exp_id
    assert client.get_experiment_by_name(exp_name) is None


def test_last_update_time_moves_on_rename_and_delete(client, exp_name, exp_id):
    created = client.get_experiment(exp_id).last_update_time
    time.sleep(0.02)
    client.rename_experiment(exp_id, exp_name + "-r")
    renamed = client.get_experiment(exp_id).last_update_time
    assert renamed > created
    time.sleep(0.02)
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).last_update_time > renamed


def test_rename_to_existing_name(client, exp_name, exp_id):
    other = client.create_experiment(exp_name + "-other")
    # MLflow 3.17 lets the SQL unique constraint answer (BAD_REQUEST, HTTP 400);
    # RESOURCE_ALREADY_EXISTS, as on create, is the clean equivalent.
    with raises_code("RESOURCE_ALREADY_EXISTS", "BAD_REQUEST") as info:
        client.rename_experiment(exp_id, exp_name + "-other")
    assert info.value.get_http_status_code() == 400
    assert client.get_experiment(other).name == exp_name + "-other"


def test_rename_deleted_is_invalid_state(client, exp_name, exp_id):
    client.delete_experiment(exp_id)
    # INVALID_STATE maps to HTTP 500, which the client treats as transient and
    # (with retries off) reports as a failed request, not as the server's code.
    resp = rest("POST", "experiments/update", {"experiment_id": exp_id, "new_name": exp_name + "-x"})
    assert_rest_error(resp, 500, "INVALID_STATE")
    with pytest.raises(mlflow.exceptions.MlflowException):
        client.rename_experiment(exp_id, exp_name + "-y")
    assert client.get_experiment(exp_id).name == exp_name


def test_delete_and_restore(client, exp_name, exp_id):
    run = client.create_run(exp_id)
    client.delete_experiment(exp_id)
    exp = client.get_experiment(exp_id)
    assert exp.lifecycle_stage == "deleted"
    # get-by-name still finds a deleted experiment.
    assert client.get_experiment_by_name(exp_name).lifecycle_stage == "deleted"
    # Deleting an experiment deletes its runs.
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"

    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_restore_experiment_restores_all_its_runs(client, exp_id):
    # MLflow's restore marks every run of the experiment active again, even
    # one that had been deleted on its own before the experiment was.
    alone = client.create_run(exp_id).info.run_id
    other = client.create_run(exp_id).info.run_id
    client.delete_run(alone)
    client.delete_experiment(exp_id)
    client.restore_experiment(exp_id)
    assert client.get_run(alone).info.lifecycle_stage == "active"
    assert client.get_run(other).info.lifecycle_stage == "active"


def test_unicode_names_and_values(client):
    name = f"ünï cödé ✓ {uuid.uuid4().hex[:8]}"
    exp_id = client.create_experiment(name, tags={"tëam": "rïsk ✓"})
    assert client.get_experiment_by_name(name).experiment_id == exp_id
    assert client.get_experiment(exp_id).tags == {"tëam": "rïsk ✓"}
    assert [e.experiment_id for e in client.search_experiments(filter_string=f"name = '{name}'")] == [exp_id]
    run = client.create_run(exp_id, run_name="rün ✓")
    client.log_param(run.info.run_id, "p", "välue ✓")
    client.set_tag(run.info.run_id, "t", "tåg 🙂")
    got = client.search_runs([exp_id], "params.p = 'välue ✓' AND tags.t LIKE 'tå%'")
    assert [r.info.run_name for r in got] == ["rün ✓"]
    assert got[0].data.tags["t"] == "tåg 🙂"


def test_delete_twice_and_restore_active(client, exp_id):
    # MLflow only finds active experiments to delete and deleted ones to restore.
    client.delete_experiment(exp_id)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_experiment(exp_id)
    client.restore_experiment(exp_id)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.restore_experiment(exp_id)


def test_delete_unknown(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_experiment("987654321")


def test_create_run_in_deleted_experiment(client, exp_id):
    client.delete_experiment(exp_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.create_run(exp_id)


def test_set_and_delete_tag(client, exp_id):
    client.set_experiment_tag(exp_id, "stage", "draft")
    client.set_experiment_tag(exp_id, "stage", "final")  # tags are overwritable
    client.set_experiment_tag(exp_id, "other", "x")
    assert client.get_experiment(exp_id).tags == {"stage": "final", "other": "x"}
    client.delete_experiment_tag(exp_id, "stage")
    assert client.get_experiment(exp_id).tags == {"other": "x"}
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_experiment_tag(exp_id, "stage")


def test_fluent_set_experiment_tags(exp_name):
    exp = mlflow.set_experiment(exp_name)
    mlflow.set_experiment_tags({"a": "1", "b": "2"})
    assert mlflow.get_experiment(exp.experiment_id).tags == {"a": "1", "b": "2"}


# --- search_experiments ---------------------------------------------------


@pytest.fixture()
def family(client):
    """Five experiments sharing a unique prefix; returns (prefix, list of Experiment)."""
    prefix = f"fam-{uuid.uuid4().hex[:10]}"
    specs = [
        ("alpha", {"team": "risk", "tier": "gold"}),
        ("Beta", {"team": "risk"}),
        ("gamma", {"team": "growth", "tier": "silver"}),
        ("delta", {}),
        ("epsilon", {"team": "Risk"}),
    ]
    exps = []
    for suffix, tags in specs:
        exp_id = client.create_experiment(f"{prefix}-{suffix}", tags=tags)
        exps.append(client.get_experiment(exp_id))
        # Distinct creation times, so filters and orderings on them are exact.
        time.sleep(0.01)
    return prefix, exps


def _names(exps):
    return [e.name for e in exps]


def _search(client, prefix, filter_string="", **kw):
    f = f"name LIKE '{prefix}-%'" + (f" AND {filter_string}" if filter_string else "")
    return client.search_experiments(filter_string=f, **kw)


@pytest.mark.parametrize(
    "filter_string, want",
    [
        ("tags.team = 'risk'", {"alpha", "Beta"}),
        ("tags.team != 'risk'", {"gamma", "epsilon"}),
        ("tags.team LIKE 'ri%'", {"alpha", "Beta"}),
        ("tags.team ILIKE 'ri%'", {"alpha", "Beta", "epsilon"}),
        ("tags.tier IS NULL", {"Beta", "delta", "epsilon"}),
        ("tags.tier IS NOT NULL", {"alpha", "gamma"}),
        ("tags.team = 'risk' AND tags.tier = 'gold'", {"alpha"}),
        ("name ILIKE '%-BETA'", {"Beta"}),
        ("name LIKE '%-beta'", set()),
        ("attribute.name != '{prefix}-alpha'", {"Beta", "gamma", "delta", "epsilon"}),
        ("name = '{prefix}-gamma'", {"gamma"}),
    ],
)
def test_search_filters(client, family, filter_string, want):
    prefix, _ = family
    got = _search(client, prefix, filter_string.format(prefix=prefix))
    assert sorted(_names(got)) == sorted(f"{prefix}-{s}" for s in want)


def test_search_creation_time(client, family):
    prefix, exps = family
    third = exps[2].creation_time
    got = _search(client, prefix, f"creation_time >= {third}")
    want = [e.name for e in exps if e.creation_time >= third]
    assert sorted(_names(got)) == sorted(want)
    got = _search(client, prefix, f"creation_time < {third}")
    want = [e.name for e in exps if e.creation_time < third]
    assert sorted(_names(got)) == sorted(want)


@pytest.mark.parametrize(
    "order_by, key, reverse",
    [
        (["name ASC"], lambda e: e.name, False),
        (["name DESC"], lambda e: e.name, True),
        (["creation_time DESC"], lambda e: e.creation_time, True),
        (["creation_time"], lambda e: e.creation_time, False),
        (["experiment_id DESC"], lambda e: int(e.experiment_id), True),
    ],
)
def test_search_order_by(client, family, order_by, key, reverse):
    prefix, exps = family
    got = _search(client, prefix, order_by=order_by)
    assert _names(got) == [e.name for e in sorted(exps, key=key, reverse=reverse)]


def test_search_default_order_is_newest_first(client, family):
    prefix, exps = family
    want = [e.name for e in sorted(exps, key=lambda e: (e.creation_time, int(e.experiment_id)), reverse=True)]
    assert _names(_search(client, prefix)) == want


def test_search_view_types(client, family):
    prefix, exps = family
    client.delete_experiment(exps[1].experiment_id)
    everyone = sorted(_names(exps))
    active = sorted(n for n in everyone if n != exps[1].name)
    assert sorted(_names(_search(client, prefix))) == active
    assert sorted(_names(_search(client, prefix, view_type=ViewType.ACTIVE_ONLY))) == active
    assert _names(_search(client, prefix, view_type=ViewType.DELETED_ONLY)) == [exps[1].name]
    assert sorted(_names(_search(client, prefix, view_type=ViewType.ALL))) == everyone
    got = mlflow.search_experiments(view_type=ViewType.ALL, filter_string=f"name LIKE '{prefix}-%'")
    assert sorted(_names(got)) == everyone


def test_search_paging(client, family):
    prefix, exps = family
    seen, token, sizes = [], None, []
    while True:
        page = _search(client, prefix, max_results=2, page_token=token, order_by=["name ASC"])
        sizes.append(len(page))
        seen.extend(_names(page))
        token = page.token
        if not token:
            break
    assert sizes == [2, 2, 1]
    assert seen == sorted(_names(exps))


def test_search_paging_exact_multiple_ends_without_token(client, family):
    # Five results with max_results=5: one full page and no next_page_token.
    prefix, exps = family
    page = _search(client, prefix, max_results=5)
    assert len(page) == 5
    assert not page.token


def test_search_rest_get_with_query_parameters(family):
    # The REST route also answers GET, with repeated keys for lists.
    prefix, exps = family
    params = {"max_results": 2, "filter": f"name LIKE '{prefix}-%'", "order_by": ["name DESC"]}
    body = assert_rest_ok(rest("GET", "experiments/search", params=params))
    want = sorted(_names(exps), reverse=True)
    assert [e["name"] for e in body["experiments"]] == want[:2]
    params["page_token"] = body["next_page_token"]
    body = assert_rest_ok(rest("GET", "experiments/search", params=params))
    assert [e["name"] for e in body["experiments"]] == want[2:4]


def test_search_invalid_filter(client):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(filter_string="name = unquoted")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(filter_string="metrics.a > 1")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(order_by=["tags.team DESC"])
    with raises_code("INVALID_PARAMETER_VALUE"):
        # Experiments know "attribute", not the runs' plural "attributes".
        client.search_experiments(filter_string="attributes.name = 'x'")
