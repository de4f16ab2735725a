"""search_runs: filters, orderings, view types, quoting, malformed input.

A module fixture logs a small, varied set of runs once; every test computes
the expected result from what was logged (a Python model of MLflow's search
semantics) and compares exact result lists, order included.
"""

import math
import uuid
from dataclasses import dataclass, field

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.entities import DatasetInput, InputTag, Metric, Param, RunTag, ViewType

from support import raises_code

NAN = float("nan")


@dataclass
class Logged:
    """What the fixture logged for one run, plus what the server assigned."""

    name: str
    start: int
    status: str = "RUNNING"
    end: int | None = None
    user: str = "alice"
    metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    # (dataset name, context); the digest comes from the server's answer.
    datasets: list = field(default_factory=list)
    deleted: bool = False
    run_id: str = ""
    artifact_uri: str = ""
    digests: list = field(default_factory=list)

    def tag(self, key):
        if key == "mlflow.runName":
            return self.name
        if key == "mlflow.user":
            return self.user
        return self.tags.get(key)


SPECS = [
    Logged(
        "alpha-run", 1000, "FINISHED", 5000, "alice",
        {"acc": 0.9, "loss": 0.3}, {"model": "lr", "depth": "3"},
        {"team": "risk", "my key": "a", "dotted.key": "d1"}, [("bank", "training")],
    ),
    Logged(
        "beta-run", 2000, "FAILED", 2500, "bob",
        {"acc": 0.7, "loss": 0.5}, {"model": "rf", "depth": "10"},
        {"team": "Risk"}, [("bank", "eval")],
    ),
    Logged(
        "gamma", 3000, "RUNNING", None, "alice",
        {"acc": NAN}, {"model": "gbdt"},
        {"team": "growth", "my key": "b"}, [],
    ),
    Logged(
        "delta-run", 4000, "KILLED", 9000, "carol",
        {"loss": 0.1, "m with space": 5.0}, {},
        {}, [("other", "training")],
    ),
    Logged(
        "Epsilon", 5000, "FINISHED", 6000, "bob",
        {"acc": 0.95, "loss": 0.2}, {"model": "lr", "depth": "5"},
        {"team": "risk", "priority": "high"}, [],
    ),
    Logged("zeta_run", 6000, "RUNNING", None, "alice"),
    Logged(
        "eta-run", 4000, "FINISHED", 7000, "carol",
        {"acc": 0.7}, {"model": "rf"},
        {"team": "risk"}, [],
    ),
    Logged(
        "deleted-run", 7000, "FINISHED", 8000, "alice",
        {"acc": 0.99}, {"model": "lr"},
        {"team": "risk"}, [("bank", "training")], deleted=True,
    ),
]

DATASETS = {
    "bank": pd.DataFrame({"age": [30.0, 40.0], "y": [0.0, 1.0]}),
    "other": pd.DataFrame({"x": [1.5, 2.5, 3.5]}),
}


def _create(client: MlflowClient, exp_id: str, spec: Logged) -> None:
    # user_id is taken from the mlflow.user tag by the client.
    run = client.create_run(exp_id, start_time=spec.start, run_name=spec.name, tags={"mlflow.user": spec.user})
    spec.run_id, spec.artifact_uri = run.info.run_id, run.info.artifact_uri
    client.log_batch(
        spec.run_id,
        metrics=[Metric(k, v, 1, 0) for k, v in spec.metrics.items()],
        params=[Param(k, v) for k, v in spec.params.items()],
        tags=[RunTag(k, v) for k, v in spec.tags.items()],
    )
    if spec.datasets:
        inputs = []
        for name, context in spec.datasets:
            ds = mlflow.data.from_pandas(DATASETS[name], name=name)
            spec.digests.append(ds.digest)
            inputs.append(DatasetInput(ds._to_mlflow_entity(), [InputTag("mlflow.data.context", context)]))
        # The client call, not the fluent one: start_run(run_id=...) would
        # depend on whichever experiment an earlier test made active.
        client.log_inputs(spec.run_id, datasets=inputs)
    if spec.status != "RUNNING":
        client.update_run(spec.run_id, status=spec.status)
    if spec.end is not None:
        client.set_terminated(spec.run_id, status=spec.status, end_time=spec.end)
    if spec.deleted:
        client.delete_run(spec.run_id)


@pytest.fixture(scope="module")
def logged(tracking_uri):
    client = MlflowClient(tracking_uri)
    exp_id = client.create_experiment(f"search-{uuid.uuid4().hex[:10]}")
    specs = [Logged(**{k: (v.copy() if isinstance(v, (dict, list)) else v) for k, v in s.__dict__.items()}) for s in SPECS]
    for spec in specs:
        _create(client, exp_id, spec)
    # Every run came back with the user the client sent, or filters on user_id would be vacuous.
    for spec in specs:
        info = client.get_run(spec.run_id).info
        assert (info.user_id, info.status, info.end_time) == (spec.user, spec.status, spec.end), spec.name
    return exp_id, specs


def _default_order(runs):
    """MLflow's default and tie-break order: start_time DESC, then run_id ASC."""
    by_id = sorted(runs, key=lambda r: r.run_id)
    return sorted(by_id, key=lambda r: r.start, reverse=True)


def _ids(runs):
    """run_ids of Logged specs or of the server's Run entities."""
    return [r.run_id if isinstance(r, Logged) else r.info.run_id for r in runs]


def _search(client, exp_id, filter_string="", view=ViewType.ACTIVE_ONLY, order_by=None, max_results=1000):
    return client.search_runs([exp_id], filter_string, run_view_type=view, order_by=order_by, max_results=max_results)


def _active(specs):
    return [s for s in specs if not s.deleted]


def _num(d, k):
    """The number logged under k, or None. NaN never satisfies a comparison."""
    return d.get(k)


def _cmp(v, op, x):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return {"<": v < x, "<=": v <= x, ">": v > x, ">=": v >= x, "=": v == x, "!=": v != x}[op]


def _like(value, pattern, ci=False):
    import re

    if value is None:
        return False
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.IGNORECASE | re.DOTALL if ci else re.DOTALL) is not None


FILTERS = [
    # (filter template, predicate over Logged). {idN} in a template is the run_id
    # of SPECS[N]; {digest_other} is the digest of the "other" dataset.
    ("metrics.acc > 0.8", lambda r: _cmp(_num(r.metrics, "acc"), ">", 0.8)),
    ("metrics.acc >= 0.9", lambda r: _cmp(_num(r.metrics, "acc"), ">=", 0.9)),
    ("metrics.acc < 0.8", lambda r: _cmp(_num(r.metrics, "acc"), "<", 0.8)),
    ("metrics.loss <= 0.3", lambda r: _cmp(_num(r.metrics, "loss"), "<=", 0.3)),
    ("metrics.loss = 0.5", lambda r: _cmp(_num(r.metrics, "loss"), "=", 0.5)),
    ("metrics.loss != 0.3", lambda r: _cmp(_num(r.metrics, "loss"), "!=", 0.3)),
    ("metric.acc = 0.7", lambda r: _cmp(_num(r.metrics, "acc"), "=", 0.7)),
    ("metrics.`m with space` > 1", lambda r: _cmp(_num(r.metrics, "m with space"), ">", 1)),
    ('metrics."m with space" <= 5', lambda r: _cmp(_num(r.metrics, "m with space"), "<=", 5)),
    ("params.model = 'lr'", lambda r: r.params.get("model") == "lr"),
    ("params.model != 'lr'", lambda r: r.params.get("model") not in (None, "lr")),
    ("params.model LIKE 'g%'", lambda r: _like(r.params.get("model"), "g%")),
    ("params.model ILIKE 'L_'", lambda r: _like(r.params.get("model"), "L_", ci=True)),
    ("param.depth IS NULL", lambda r: "depth" not in r.params),
    ("params.depth IS NOT NULL", lambda r: "depth" in r.params),
    ("params.depth = '10'", lambda r: r.params.get("depth") == "10"),
    ("tags.team = 'risk'", lambda r: r.tag("team") == "risk"),
    ("tags.team != 'risk'", lambda r: r.tag("team") not in (None, "risk")),
    ("tags.team LIKE 'R%'", lambda r: _like(r.tag("team"), "R%")),
    ("tag.team ILIKE 'r%'", lambda r: _like(r.tag("team"), "r%", ci=True)),
    ("tags.team like 'r%'", lambda r: _like(r.tag("team"), "r%")),
    ("tags.team ilike 'RIS_'", lambda r: _like(r.tag("team"), "RIS_", ci=True)),
    ("tags.team LIKE 'ri_k'", lambda r: _like(r.tag("team"), "ri_k")),
    ('tags.team = "risk"', lambda r: r.tag("team") == "risk"),
    ("`tags`.team = 'growth'", lambda r: r.tag("team") == "growth"),
    ("tags.team != ''", lambda r: r.tag("team") not in (None, "")),
    ("tags.priority IS NULL", lambda r: r.tag("priority") is None),
    ("tags.priority IS NOT NULL", lambda r: r.tag("priority") is not None),
    ("tags.`my key` = 'a'", lambda r: r.tag("my key") == "a"),
    ('tags."my key" = \'b\'', lambda r: r.tag("my key") == "b"),
    ("tags.`dotted.key` = 'd1'", lambda r: r.tag("dotted.key") == "d1"),
    ("tags.`mlflow.runName` LIKE '%run'", lambda r: _like(r.name, "%run")),
    ("tags.mlflow.user = 'bob'", lambda r: r.user == "bob"),
    ("attributes.status = 'FINISHED'", lambda r: r.status == "FINISHED"),
    ("attributes.status != 'RUNNING'", lambda r: r.status != "RUNNING"),
    ("attr.status LIKE 'F%'", lambda r: _like(r.status, "F%")),
    ("attributes.run_name = 'gamma'", lambda r: r.name == "gamma"),
    ("attributes.run_name != 'gamma'", lambda r: r.name != "gamma"),
    ("run_name LIKE '%-run'", lambda r: _like(r.name, "%-run")),
    ("attributes.run_name ILIKE 'e%'", lambda r: _like(r.name, "e%", ci=True)),
    ("attributes.`Run name` = 'gamma'", lambda r: r.name == "gamma"),
    ("attributes.run_id IN ('{id0}', '{id3}')", lambda r: r.name in ("alpha-run", "delta-run")),
    ("attributes.run_id NOT IN ('{id0}', '{id3}')", lambda r: r.name not in ("alpha-run", "delta-run")),
    ("attributes.run_id = '{id1}'", lambda r: r.name == "beta-run"),
    ("run_id = '{id2}'", lambda r: r.name == "gamma"),
    ("attributes.start_time >= 3000", lambda r: r.start >= 3000),
    ("attributes.start_time < 3000", lambda r: r.start < 3000),
    ("created = 4000", lambda r: r.start == 4000),
    ("attributes.end_time > 5500", lambda r: r.end is not None and r.end > 5500),
    ("attributes.end_time <= 5000", lambda r: r.end is not None and r.end <= 5000),
    ("attributes.user_id = 'alice'", lambda r: r.user == "alice"),
    ("attributes.user_id != 'alice'", lambda r: r.user != "alice"),
    ("attributes.artifact_uri LIKE '%{id4}%'", lambda r: r.name == "Epsilon"),
    ("datasets.name = 'bank'", lambda r: any(n == "bank" for n, _ in r.datasets)),
    ("datasets.name IN ('bank', 'other')", lambda r: bool(r.datasets)),
    ("datasets.context = 'training'", lambda r: any(c == "training" for _, c in r.datasets)),
    ("dataset.digest = '{digest_other}'", lambda r: any(n == "other" for n, _ in r.datasets)),
    ("datasets.digest IN ('{digest_other}', 'nope')", lambda r: any(n == "other" for n, _ in r.datasets)),
    ("datasets.name NOT IN ('bank')", lambda r: any(n != "bank" for n, _ in r.datasets)),
    ("datasets.context != 'training'", lambda r: any(c != "training" for _, c in r.datasets)),
    ("datasets.name LIKE 'ba%' AND datasets.context = 'eval'", lambda r: ("bank", "eval") in r.datasets),
    (
        "metrics.acc > 0.5 AND params.model = 'lr' AND tags.team = 'risk'",
        lambda r: _cmp(_num(r.metrics, "acc"), ">", 0.5) and r.params.get("model") == "lr" and r.tag("team") == "risk",
    ),
    (
        "attributes.status = 'FINISHED' AND attributes.start_time > 1000 AND params.model = 'rf'",
        lambda r: r.status == "FINISHED" and r.start > 1000 and r.params.get("model") == "rf",
    ),
    ("params.model = 'lr' AND params.model = 'rf'", lambda r: False),
    (
        "tags.team = 'risk'  and  attributes.status = 'FINISHED'",
        lambda r: r.tag("team") == "risk" and r.status == "FINISHED",
    ),
    ("metrics.loss > 0", lambda r: _cmp(_num(r.metrics, "loss"), ">", 0)),
    ("", lambda r: True),
]


def _fill(template, specs):
    by_name = {s.name: s for s in specs}
    values = {f"id{i}": s.run_id for i, s in enumerate(specs)}
    values["digest_other"] = by_name["delta-run"].digests[0]
    return template.format(**values)


@pytest.mark.parametrize("template, predicate", FILTERS, ids=[f[0] or "empty" for f in FILTERS])
def test_filter(client, logged, template, predicate):
    exp_id, specs = logged
    want = _ids(_default_order([r for r in _active(specs) if predicate(r)]))
    got = _ids(_search(client, exp_id, _fill(template, specs)))
    assert got == want, _explain(got, want, specs)


def _explain(got, want, specs):
    name = {s.run_id: s.name for s in specs}
    return f"got {[name.get(i, i) for i in got]}, want {[name.get(i, i) for i in want]}"


def test_filter_with_fluent_search_runs(logged):
    exp_id, specs = logged
    frame = mlflow.search_runs([exp_id], "params.model = 'lr'")
    want = _default_order([r for r in _active(specs) if r.params.get("model") == "lr"])
    assert list(frame["run_id"]) == _ids(want)
    assert list(frame["params.model"]) == ["lr"] * len(want)
    assert list(frame["metrics.acc"]) == [r.metrics["acc"] for r in want]
    assert list(frame["tags.mlflow.runName"]) == [r.name for r in want]
    assert list(frame["status"]) == [r.status for r in want]


def test_fluent_search_runs_list_output(logged):
    exp_id, specs = logged
    runs = mlflow.search_runs([exp_id], "tags.team = 'risk'", output_format="list")
    want = _default_order([r for r in _active(specs) if r.tag("team") == "risk"])
    assert _ids(runs) == _ids(want)
    by_id = {r.run_id: r for r in want}
    for run in runs:
        spec = by_id[run.info.run_id]
        assert run.data.params == spec.params
        assert run.data.tags["team"] == "risk"
        assert {k: v for k, v in run.data.metrics.items()} == spec.metrics


# --- order_by ---------------------------------------------------------------


def _value_for(r, key):
    entity, _, name = key.partition(".")
    name = name.strip("`\"")
    if entity == "metrics":
        return r.metrics.get(name)
    if entity == "params":
        return r.params.get(name)
    if entity == "tags":
        return r.tag(name)
    return {
        "start_time": r.start,
        "end_time": r.end,
        "run_name": r.name,
        "status": r.status,
        "user_id": r.user,
        "artifact_uri": r.artifact_uri,
        "run_id": r.run_id,
    }[key]


def _order(runs, keys):
    """Sort like MLflow's SQL store: per key, values in the asked direction,
    then NaN, then missing (NULL) last in both directions; ties by start_time
    DESC, run_id ASC."""
    out = _default_order(runs)
    for key, desc in reversed(keys):
        present = [r for r in out if _value_for(r, key) is not None and not _isnan(_value_for(r, key))]
        nans = [r for r in out if _isnan(_value_for(r, key))]
        missing = [r for r in out if _value_for(r, key) is None]
        present = sorted(present, key=lambda r: _value_for(r, key), reverse=desc)
        out = present + nans + missing
    return out


def _isnan(v):
    return isinstance(v, float) and math.isnan(v)


ORDERS = [
    ["metrics.acc DESC"],
    ["metrics.acc ASC"],
    ["metrics.loss"],
    ["params.depth ASC"],
    ["params.model DESC"],
    ["tags.team DESC"],
    ["tags.team ASC"],
    ["attributes.start_time ASC"],
    ["start_time DESC"],
    ["end_time DESC"],
    ["attributes.end_time ASC"],
    ["run_name ASC"],
    ["attributes.run_name DESC"],
    ["status ASC"],
    ["user_id DESC"],
    ["artifact_uri ASC"],
    ["metrics.`m with space` DESC"],
    ["tags.`my key` ASC"],
    ["params.model ASC", "metrics.acc DESC"],
    ["tags.team ASC", "attributes.run_name DESC"],
    ["attributes.status DESC", "end_time ASC"],
]


def _parse_order(entry):
    parts = entry.rsplit(" ", 1)
    desc = len(parts) == 2 and parts[1].upper() == "DESC"
    key = parts[0] if len(parts) == 2 and parts[1].upper() in ("ASC", "DESC") else entry
    return key.removeprefix("attributes."), desc


@pytest.mark.parametrize("order_by", ORDERS, ids=[",".join(o) for o in ORDERS])
def test_order_by(client, logged, order_by):
    exp_id, specs = logged
    keys = [_parse_order(o) for o in order_by]
    want = _ids(_order(_active(specs), keys))
    got = _ids(_search(client, exp_id, order_by=order_by))
    assert got == want, _explain(got, want, specs)


def test_order_by_with_filter_and_paging(client, logged):
    exp_id, specs = logged
    order = ["metrics.acc DESC"]
    want = _ids(_order([r for r in _active(specs) if "acc" in r.metrics], [("metrics.acc", True)]))
    got, token = [], None
    while True:
        page = client.search_runs([exp_id], "metrics.acc >= 0", order_by=order, max_results=2, page_token=token)
        got.extend(_ids(page))
        token = page.token
        if not token:
            break
    # NaN is not >= 0, so the NaN run drops out of the filtered list.
    assert got == [i for i in want if not _isnan(next(s for s in specs if s.run_id == i).metrics["acc"])]


# --- view types, several experiments ---------------------------------------------


@pytest.mark.parametrize(
    "view, want_deleted",
    [(ViewType.ACTIVE_ONLY, [False]), (ViewType.DELETED_ONLY, [True]), (ViewType.ALL, [False, True])],
    ids=["active", "deleted", "all"],
)
def test_view_types(client, logged, view, want_deleted):
    exp_id, specs = logged
    want = _ids(_default_order([s for s in specs if s.deleted in want_deleted]))
    assert _ids(_search(client, exp_id, view=view)) == want


def test_view_type_with_filter(client, logged):
    exp_id, specs = logged
    want = _ids(_default_order([s for s in specs if s.params.get("model") == "lr"]))
    assert _ids(_search(client, exp_id, "params.model = 'lr'", view=ViewType.ALL)) == want


def test_search_several_experiments(client, logged, exp_id):
    search_exp, specs = logged
    extra = client.create_run(exp_id, start_time=3500, run_name="elsewhere")
    client.log_param(extra.info.run_id, "model", "lr")
    got = _ids(client.search_runs([search_exp, exp_id], "params.model = 'lr'"))
    active_lr = [s for s in _active(specs) if s.params.get("model") == "lr"]
    extra_spec = Logged("elsewhere", 3500, run_id=extra.info.run_id)
    assert got == _ids(_default_order(active_lr + [extra_spec]))


def test_search_deleted_experiment_runs(client, exp_id):
    run = client.create_run(exp_id)
    client.delete_experiment(exp_id)
    # Deleting the experiment marks its runs deleted.
    assert _ids(client.search_runs([exp_id])) == []
    assert [r.info.run_id for r in client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)] == [
        run.info.run_id
    ]


def test_search_returns_run_contents(client, logged):
    exp_id, specs = logged
    spec = next(s for s in specs if s.name == "alpha-run")
    (run,) = client.search_runs([exp_id], f"attributes.run_id = '{spec.run_id}'")
    assert run.data.metrics == spec.metrics
    assert run.data.params == spec.params
    assert {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")} == spec.tags
    assert run.info.start_time == spec.start and run.info.end_time == spec.end
    assert run.info.artifact_uri == spec.artifact_uri
    ds = run.inputs.dataset_inputs
    assert [(d.dataset.name, d.dataset.digest) for d in ds] == [("bank", spec.digests[0])]


# --- malformed input --------------------------------------------------------------


@pytest.mark.parametrize(
    "filter_string",
    [
        "metrics.acc >",
        "metrics.acc > 'high'",
        "params.model = lr",
        "params.model = 1",
        "foo.bar = 'x'",
        "attributes.bogus = 'x'",
        "attributes.status IS NULL",
        "metrics.acc IS NULL",
        "params.model = 'a' OR params.model = 'b'",
        "params.model = 'a'; DROP TABLE runs",
        "params.model ~ 'a'",
        "attributes.start_time > 'yesterday'",
        "attributes.run_id IN 'abc'",
        "attributes.status IN ('FINISHED')",
        "(params.model = 'lr')",
        "tags.team IN ('risk')",
        "PARAMS.model = 'lr'",
        "attributes.end_time IS NULL",
    ],
)
def test_malformed_filter(client, logged, filter_string):
    exp_id, _ = logged
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_runs([exp_id], filter_string)


@pytest.mark.parametrize(
    "order_by",
    [["metrics.acc SIDEWAYS"], ["bogus"], ["attributes.bogus ASC"], ["foo.bar"], ["metrics.acc DESC extra"]],
)
def test_malformed_order_by(client, logged, order_by):
    exp_id, _ = logged
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_runs([exp_id], order_by=order_by)


def test_search_unknown_experiment_is_empty(client):
    assert list(client.search_runs(["987654321"])) == []
