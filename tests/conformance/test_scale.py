"""Volume: paging over 2,500 runs and a 10,000-step metric history."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

from support import assert_rest_error, assert_rest_ok, rest

N_RUNS = 2500
SCORED_EVERY = 10  # every 10th run gets a metric via log_batch
N_STEPS = 10_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def many_runs(tracking_uri):
    """An experiment with N_RUNS runs; returns (exp_id, run_ids by index).

    Run i has start_time BASE+i, tag idx=str(i), tag parity, and every
    SCORED_EVERY-th run a metric score=i logged with log_batch.
    """
    client = MlflowClient(tracking_uri)
    exp_id = client.create_experiment(f"scale-{uuid.uuid4().hex[:10]}")
    base = 1_600_000_000_000

    def make(i):
        tags = {"idx": str(i), "parity": "even" if i % 2 == 0 else "odd"}
        run = client.create_run(exp_id, start_time=base + i, tags=tags)
        if i % SCORED_EVERY == 0:
            client.log_batch(run.info.run_id, metrics=[Metric("score", float(i), base, 0)])
        return run.info.run_id

    # A few threads hide the per-request latency; the server is the bottleneck anyway.
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(make, range(N_RUNS)))
    return exp_id, ids


def _page_through(client, exp_id, page_size, **kw):
    got, sizes, token = [], [], None
    while True:
        page = client.search_runs([exp_id], max_results=page_size, page_token=token, **kw)
        sizes.append(len(page))
        got.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            return got, sizes


def _pages(total, size):
    full, rest_ = divmod(total, size)
    return [size] * full + ([rest_] if rest_ else [])


@pytest.mark.parametrize("page_size", [1000, 333, 2500, 2499])
def test_paging_default_order(client, many_runs, page_size):
    exp_id, ids = many_runs
    got, sizes = _page_through(client, exp_id, page_size)
    # Default order is start_time DESC, and start_time grows with the index.
    assert len(set(got)) == len(got), "duplicate runs across pages"
    assert got == list(reversed(ids))
    # A final full page may or may not carry a token for an empty page after it.
    assert sizes in (_pages(N_RUNS, page_size), _pages(N_RUNS, page_size) + [0])


def test_paging_order_by_tag(client, many_runs):
    exp_id, ids = many_runs
    got, _ = _page_through(client, exp_id, 777, order_by=["tags.idx ASC"])
    # Tags are strings, so "10" sorts before "2".
    want = [ids[i] for i in sorted(range(N_RUNS), key=str)]
    assert got == want


def test_paging_with_filter_and_metric_order(client, many_runs):
    exp_id, ids = many_runs
    got, sizes = _page_through(client, exp_id, 100, filter_string="metrics.score >= 0", order_by=["metrics.score DESC"])
    want = [ids[i] for i in reversed(range(0, N_RUNS, SCORED_EVERY))]
    assert got == want
    assert sizes[:2] == [100, 100]


def test_paging_with_tag_filter(client, many_runs):
    exp_id, ids = many_runs
    got, _ = _page_through(client, exp_id, 500, filter_string="tags.parity = 'odd'", order_by=["attributes.start_time ASC"])
    assert got == [ids[i] for i in range(1, N_RUNS, 2)]


def test_fluent_search_runs_all(many_runs):
    exp_id, ids = many_runs
    frame = mlflow.search_runs([exp_id])
    assert len(frame) == N_RUNS
    assert list(frame["run_id"]) == list(reversed(ids))
    assert frame["metrics.score"].notna().sum() == N_RUNS // SCORED_EVERY


def test_rest_one_big_page(many_runs):
    exp_id, ids = many_runs
    body = assert_rest_ok(rest("POST", "runs/search", {"experiment_ids": [exp_id], "max_results": 50000}))
    assert [r["info"]["run_id"] for r in body["runs"]] == list(reversed(ids))
    assert "next_page_token" not in body


def test_rest_default_page_is_1000(many_runs):
    exp_id, ids = many_runs
    body = assert_rest_ok(rest("POST", "runs/search", {"experiment_ids": [exp_id]}))
    assert len(body["runs"]) == 1000
    assert body.get("next_page_token")


def test_paging_deleted_only(client, many_runs):
    exp_id, ids = many_runs
    # None are deleted: an empty answer, not an error, and no token.
    page = client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY, max_results=100)
    assert list(page) == [] and not page.token


# --- 10,000-step metric history -------------------------------------------------


@pytest.fixture(scope="module")
def long_history(tracking_uri):
    client = MlflowClient(tracking_uri)
    exp_id = client.create_experiment(f"history-{uuid.uuid4().hex[:10]}")
    run_id = client.create_run(exp_id).info.run_id
    # The client splits this into batches of 1000 metrics.
    client.log_batch(run_id, metrics=[Metric("curve", _value(s), 1_000_000 + s, s) for s in range(N_STEPS)])
    return run_id


def _value(step):
    return step * 0.5 - 17.25


def test_metric_history_10000(client, long_history):
    history = client.get_metric_history(long_history, "curve")
    assert len(history) == N_STEPS
    got = sorted((m.step, m.timestamp, m.value) for m in history)
    assert got == [(s, 1_000_000 + s, _value(s)) for s in range(N_STEPS)]
    assert client.get_run(long_history).data.metrics["curve"] == _value(N_STEPS - 1)


def test_metric_history_rest_paging(long_history):
    seen, token, sizes = [], None, []
    while True:
        params = {"run_id": long_history, "metric_key": "curve", "max_results": 3000}
        if token:
            params["page_token"] = token
        body = assert_rest_ok(rest("GET", "metrics/get-history", params=params))
        sizes.append(len(body.get("metrics", [])))
        seen.extend(m["step"] for m in body.get("metrics", []))
        token = body.get("next_page_token")
        if not token:
            break
    assert sizes in ([3000, 3000, 3000, 1000], [3000, 3000, 3000, 1000, 0])
    assert sorted(seen) == list(range(N_STEPS))


def _bulk(run_ids, **params):
    return rest("GET", "metrics/get-history-bulk-interval", params={"run_ids": run_ids, "metric_key": "curve", **params})


def _check_sample(points, run_id, first, last, at_most):
    steps = [p["step"] for p in points]
    assert steps == sorted(steps), "points must come in step order"
    assert len(set(steps)) == len(steps)
    assert steps[0] == first and steps[-1] == last, "the first and last step are always kept"
    assert at_most // 2 <= len(steps) <= at_most
    for p in points:
        assert p["run_id"] == run_id
        assert p["key"] == "curve"
        assert p["value"] == _value(p["step"])
        assert p["timestamp"] == 1_000_000 + p["step"]


def test_bulk_interval_sampling(long_history):
    body = assert_rest_ok(_bulk([long_history], max_results=100))
    _check_sample(body["metrics"], long_history, 0, N_STEPS - 1, 100)


def test_bulk_interval_default_max(long_history):
    body = assert_rest_ok(_bulk([long_history]))
    _check_sample(body["metrics"], long_history, 0, N_STEPS - 1, 2500)


def test_bulk_interval_step_range(long_history):
    body = assert_rest_ok(_bulk([long_history], start_step=100, end_step=199, max_results=10))
    _check_sample(body["metrics"], long_history, 100, 199, 10)


def test_bulk_interval_small_range_returns_everything(long_history):
    body = assert_rest_ok(_bulk([long_history], start_step=10, end_step=14, max_results=100))
    assert [p["step"] for p in body["metrics"]] == [10, 11, 12, 13, 14]


@pytest.mark.parametrize(
    "params",
    [{"max_results": 2501}, {"max_results": 0}, {"start_step": 5}, {"start_step": 10, "end_step": 5}],
    ids=["max-over-cap", "max-zero", "start-without-end", "start-after-end"],
)
def test_bulk_interval_bad_arguments(long_history, params):
    assert_rest_error(_bulk([long_history], **params), 400, "INVALID_PARAMETER_VALUE")


def test_bulk_interval_unknown_run_is_empty():
    # Like get-history, MLflow does not look the runs up: unknown runs have no points.
    body = assert_rest_ok(_bulk(["0123456789abcdef0123456789abcdef"]))
    assert body.get("metrics", []) == []


def test_bulk_interval_too_many_runs(long_history):
    assert_rest_error(_bulk([long_history] * 101), 400, "INVALID_PARAMETER_VALUE")


# --- concurrency ------------------------------------------------------------------


def test_concurrent_logging_to_one_run(client, exp_id):
    # Eight writers at once: the store must serialise them without losing a
    # point or answering "database is locked".
    run_id = client.create_run(exp_id).info.run_id
    per_thread, threads = 25, 8

    def work(t):
        for i in range(per_thread):
            step = t * 1000 + i
            client.log_batch(
                run_id,
                metrics=[Metric("c", float(step), 1000 + i, step)],
                params=[Param(f"p{t}-{i}", str(step))],
                tags=[RunTag(f"t{t}", str(i))],
            )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, range(threads)))
    steps = sorted(m.step for m in client.get_metric_history(run_id, "c"))
    assert steps == sorted(t * 1000 + i for t in range(threads) for i in range(per_thread))
    data = client.get_run(run_id).data
    assert len(data.params) == threads * per_thread
    assert {data.tags[f"t{t}"] for t in range(threads)} == {str(per_thread - 1)}
    assert data.metrics["c"] == float((threads - 1) * 1000 + per_thread - 1)


def test_concurrent_create_same_experiment_name(client, exp_name):
    # Exactly one of several racing creates wins; the others are told the name exists.
    def create(_):
        try:
            return client.create_experiment(exp_name)
        except mlflow.exceptions.MlflowException as e:
            return e

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6)))
    ids = [r for r in results if isinstance(r, str)]
    errors = [r for r in results if not isinstance(r, str)]
    assert len(ids) == 1, results
    assert {e.error_code for e in errors} <= {"RESOURCE_ALREADY_EXISTS"}, [str(e) for e in errors]
    assert client.get_experiment_by_name(exp_name).experiment_id == ids[0]
