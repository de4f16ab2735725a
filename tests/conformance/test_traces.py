"""MLflow 3 tracing: @mlflow.trace, spans over OTLP, search, tags, links, deletes.

The client logs each finished trace's info (StartTraceV3) and its spans through
OpenTelemetry's endpoint (/v1/traces); both must reach the server whichever
arrives first. A plain OpenTelemetry exporter's JSON request is checked too.
"""

import gzip
import json
import time

import mlflow
import pytest
import requests
from mlflow.entities import SpanType

from support import assert_rest_error, assert_rest_ok, base_url, raises_code, rest


@mlflow.trace(span_type=SpanType.TOOL)
def _lookup(x):
    return x * 2


@mlflow.trace(name="answer")
def _answer(x, fail=False):
    if fail:
        raise ValueError("boom")
    return _lookup(x) + 1


def _run_traced(exp_id, *calls):
    """Calls _answer for each (x, fail) and returns the trace ids, flushed."""
    mlflow.set_experiment(experiment_id=exp_id)
    ids = []
    for x, fail in calls:
        time.sleep(0.005)  # distinct start times: deletes by age take the oldest
        try:
            _answer(x, fail=fail)
        except ValueError:
            pass
        ids.append(mlflow.get_last_active_trace_id())
    mlflow.flush_trace_async_logging()
    return ids


def _wait_spans(client, trace_id, n, timeout=30):
    """Spans arrive asynchronously: wait until the trace has n of them."""
    deadline = time.time() + timeout
    while True:
        trace = client.get_trace(trace_id)
        if trace is not None and len(trace.data.spans) >= n:
            return trace
        if time.time() > deadline:
            pytest.fail(f"trace {trace_id} has {0 if trace is None else len(trace.data.spans)} spans, want {n}")
        time.sleep(0.2)


def test_trace_round_trip(client, exp_id):
    (tid,) = _run_traced(exp_id, (3, False))
    trace = _wait_spans(client, tid, 2)
    assert trace.info.trace_id == tid
    assert trace.info.experiment_id == exp_id
    assert trace.info.state.value == "OK"
    assert json.loads(trace.info.request_preview) == {"x": 3, "fail": False}
    assert trace.info.response_preview == "7"
    assert trace.info.tags["mlflow.traceName"] == "answer"
    assert trace.info.tags["mlflow.trace.spansLocation"] == "TRACKING_STORE"
    assert trace.info.execution_duration >= 0
    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"answer", "_lookup"}
    root, child = spans["answer"], spans["_lookup"]
    assert root.parent_id is None and child.parent_id == root.span_id
    assert child.span_type == SpanType.TOOL
    assert child.inputs == {"x": 3} and child.outputs == 6
    assert root.inputs == {"x": 3, "fail": False}
    assert root.outputs == 7
    assert root.start_time_ns <= child.start_time_ns <= child.end_time_ns <= root.end_time_ns


def test_trace_error_state(client, exp_id):
    (tid,) = _run_traced(exp_id, (1, True))
    trace = _wait_spans(client, tid, 1)
    assert trace.info.state.value == "ERROR"
    root = [s for s in trace.data.spans if s.parent_id is None][0]
    assert root.status.status_code.value == "ERROR"
    assert any(e.name == "exception" for e in root.events)


def test_search_traces(client, exp_id):
    ids = _run_traced(exp_id, (1, False), (2, True), (3, False))
    for tid in ids:
        _wait_spans(client, tid, 1)
    found = client.search_traces(locations=[exp_id])
    assert [t.info.trace_id for t in found] == ids[::-1]  # newest first
    ok = client.search_traces(locations=[exp_id], filter_string="trace.status = 'OK'")
    assert {t.info.trace_id for t in ok} == {ids[0], ids[2]}
    late = client.search_traces(locations=[exp_id], filter_string=f"timestamp_ms > {ok[-1].info.request_time}",
                                order_by=["timestamp_ms ASC"])
    assert [t.info.trace_id for t in late] == ids[1:]
    page = client.search_traces(locations=[exp_id], max_results=2)
    assert len(page) == 2 and page.token
    rest_of = client.search_traces(locations=[exp_id], max_results=2, page_token=page.token)
    assert [t.info.trace_id for t in list(page) + list(rest_of)] == ids[::-1]
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_traces(locations=[exp_id], filter_string="metrics.acc > 1")


def test_trace_tags_and_run_link(client, exp_id):
    (tid,) = _run_traced(exp_id, (5, False))
    _wait_spans(client, tid, 2)
    client.set_trace_tag(tid, "reviewed", "yes")
    assert client.get_trace(tid).info.tags["reviewed"] == "yes"
    tagged = client.search_traces(locations=[exp_id], filter_string="tags.reviewed = 'yes'")
    assert [t.info.trace_id for t in tagged] == [tid]
    client.delete_trace_tag(tid, "reviewed")
    assert "reviewed" not in client.get_trace(tid).info.tags
    run = client.create_run(exp_id)
    client.link_traces_to_run([tid], run.info.run_id)
    linked = client.search_traces(locations=[exp_id], run_id=run.info.run_id)
    assert [t.info.trace_id for t in linked] == [tid]


def test_delete_traces(client, exp_id):
    ids = _run_traced(exp_id, (1, False), (2, False), (3, False))
    for tid in ids:
        _wait_spans(client, tid, 1)
    assert client.delete_traces(exp_id, trace_ids=[ids[0]]) == 1
    assert client.delete_traces(exp_id, max_timestamp_millis=int(time.time() * 1000) + 1000, max_traces=1) == 1
    left = client.search_traces(locations=[exp_id])
    assert [t.info.trace_id for t in left] == [ids[2]]
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_trace(ids[0])


def test_missing_trace(client, exp_id):
    resp = rest("GET", "/api/3.0/mlflow/traces/get", params={"trace_id": "tr-00000000000000000000000000000000"})
    assert_rest_error(resp, 404, "RESOURCE_DOES_NOT_EXIST")


def _otlp_json(trace_hex, name="external"):
    now = time.time_ns()
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                               "scopeSpans": [{"scope": {"name": "manual"}, "spans": [{
                                   "traceId": trace_hex, "spanId": "00f067aa0ba902b7", "name": name, "kind": 2,
                                   "startTimeUnixNano": str(now - 5_000_000), "endTimeUnixNano": str(now),
                                   "attributes": [{"key": "http.route", "value": {"stringValue": "/predict"}},
                                                  {"key": "rows", "value": {"intValue": "3"}}],
                                   "status": {"code": 1}}]}]}]}


@pytest.mark.parametrize("encoding", ["json", "json+gzip"])
def test_opentelemetry_json_export(client, exp_id, encoding):
    """A plain OpenTelemetry exporter's OTLP/JSON request, as the OTLP spec writes it."""
    trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736" if encoding == "json" else "5bf92f3577b34da6a3ce929d0e0e4736"
    body = json.dumps(_otlp_json(trace_hex)).encode()
    headers = {"Content-Type": "application/json", "X-MLflow-Experiment-Id": exp_id}
    if encoding.endswith("gzip"):
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    resp = requests.post(base_url() + "/v1/traces", data=body, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    trace = client.get_trace("tr-" + trace_hex)
    assert trace is not None and [s.name for s in trace.data.spans] == ["external"]
    assert trace.data.spans[0].attributes.get("http.route") == "/predict"


def test_otlp_needs_experiment_header(exp_id):
    body = json.dumps(_otlp_json("6bf92f3577b34da6a3ce929d0e0e4736")).encode()
    resp = requests.post(base_url() + "/v1/traces", data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code >= 400


def test_assessments(client, exp_id):
    from mlflow.entities import AssessmentSource, AssessmentSourceType, Feedback

    (tid,) = _run_traced(exp_id, (4, False))
    _wait_spans(client, tid, 2)
    judge = AssessmentSource(source_type=AssessmentSourceType.LLM_JUDGE, source_id="judge-1")
    fb = mlflow.log_feedback(trace_id=tid, name="relevance", value=0.8, rationale="close", source=judge, metadata={"k": "v"})
    ex = mlflow.log_expectation(trace_id=tid, name="expected", value={"answer": 9})
    assert fb.assessment_id.startswith("a-") and fb.assessment_id != ex.assessment_id
    got = mlflow.get_assessment(tid, fb.assessment_id)
    assert (got.name, got.value, got.rationale, got.source.source_id, got.metadata) == ("relevance", 0.8, "close", "judge-1", {"k": "v"})
    upd = mlflow.update_assessment(trace_id=tid, assessment_id=fb.assessment_id, assessment=Feedback(name="relevance", value=0.9))
    assert upd.value == 0.9 and upd.rationale == "close"
    over = mlflow.override_feedback(trace_id=tid, assessment_id=fb.assessment_id, value=0.1, rationale="a person disagrees")
    seen = {(a.assessment_id, a.name): a for a in client.get_trace(tid).info.assessments}
    assert seen[(fb.assessment_id, "relevance")].valid is False
    assert seen[(over.assessment_id, "relevance")].valid is True
    assert seen[(ex.assessment_id, "expected")].value == {"answer": 9}
    mlflow.delete_assessment(trace_id=tid, assessment_id=ex.assessment_id)
    left = {a.assessment_id for a in client.get_trace(tid).info.assessments}
    assert left == {fb.assessment_id, over.assessment_id}
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        mlflow.get_assessment(tid, ex.assessment_id)


def test_trace_api_v2(client, exp_id):
    """MLflow 2's start/end trace calls, which MLflow 3's client falls back to."""
    from mlflow.entities.trace_status import TraceStatus

    store = client._tracing_client.store
    started = store.deprecated_start_trace_v2(experiment_id=exp_id, timestamp_ms=5000,
                                              request_metadata={"a": "1", "b": "2"}, tags={"t": "x"})
    assert len(started.request_id) == 32 and int(started.request_id, 16) >= 0  # MLflow 2's ids: hex, no "tr-"
    assert (started.timestamp_ms, started.execution_time_ms, started.status) == (5000, 0, TraceStatus.IN_PROGRESS)
    assert started.request_metadata == {"a": "1", "b": "2"}
    ended = store.deprecated_end_trace_v2(request_id=started.request_id, timestamp_ms=5250, status=TraceStatus.ERROR,
                                          request_metadata={"b": "3"}, tags={"u": "y"})
    assert (ended.timestamp_ms, ended.execution_time_ms, ended.status) == (5000, 250, TraceStatus.ERROR)
    assert ended.request_metadata == {"a": "1", "b": "3"}
    assert {k: v for k, v in ended.tags.items() if not k.startswith("mlflow.")} == {"t": "x", "u": "y"}
    assert store.get_trace_info(started.request_id).state.value == "ERROR"


def test_search_datasets_summaries(client, exp_id):
    """The UI's search-datasets endpoint: what datasets an experiment's runs used."""
    from mlflow.entities import Dataset, DatasetInput, InputTag

    run = client.create_run(exp_id)
    ds = Dataset(name="bank", digest="d1", source_type="local", source="bank.csv")
    client.log_inputs(run.info.run_id, [DatasetInput(dataset=ds, tags=[InputTag(key="mlflow.data.context", value="eval")])])
    resp = rest("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", body={"experiment_ids": [exp_id]})
    assert assert_rest_ok(resp)["dataset_summaries"] == [{"experiment_id": exp_id, "name": "bank", "digest": "d1", "context": "eval"}]
    assert_rest_error(rest("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", body={}), 400, "INVALID_PARAMETER_VALUE")
    too_many = {"experiment_ids": [str(i) for i in range(21)]}
    assert_rest_error(rest("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", body=too_many), 400, "INVALID_PARAMETER_VALUE")


def test_trace_metrics(client, exp_id):
    """Trace counts and latency grouped by status, as MLflow's UI charts them."""
    from mlflow.entities.trace_metrics import AggregationType, MetricAggregation, MetricViewType
    from mlflow.tracing.constant import TraceMetricDimensionKey, TraceMetricKey

    ids = _run_traced(exp_id, (1, False), (2, True), (3, False))
    for tid in ids:
        _wait_spans(client, tid, 1)
    store = client._tracing_client.store
    points = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name=TraceMetricKey.TRACE_COUNT,
        aggregations=[MetricAggregation(aggregation_type=AggregationType.COUNT)],
        dimensions=[TraceMetricDimensionKey.TRACE_STATUS])
    assert [(p.dimensions, p.values) for p in points] == [
        ({"trace_status": "ERROR"}, {"COUNT": 1}), ({"trace_status": "OK"}, {"COUNT": 2})]
    lat = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name=TraceMetricKey.LATENCY,
        aggregations=[MetricAggregation(aggregation_type=AggregationType.MAX), MetricAggregation(aggregation_type=AggregationType.MIN)])
    assert len(lat) == 1 and lat[0].values["MAX"] >= lat[0].values["MIN"] >= 0
    with raises_code("INVALID_PARAMETER_VALUE"):
        store.query_trace_metrics(experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name="nonsense",
                                  aggregations=[MetricAggregation(aggregation_type=AggregationType.COUNT)])


def test_trace_filter_correlation(client, exp_id):
    """How two trace filters co-occur (NPMI), as MLflow's UI asks for it."""
    from mlflow.tracing.client import TracingClient

    ids = _run_traced(exp_id, (1, False), (2, False), (3, True), (4, False))
    for tid in ids:
        _wait_spans(client, tid, 1)
    for tid in ids[:3]:
        client.set_trace_tag(tid, "env", "prod")
    r = TracingClient(tracking_uri=mlflow.get_tracking_uri()).calculate_trace_filter_correlation(
        experiment_ids=[exp_id], filter_string1="tags.env = 'prod'", filter_string2="trace.status = 'OK'")
    assert (r.total_count, r.filter1_count, r.filter2_count, r.joint_count) == (4, 3, 3, 2)
    assert -1 <= r.npmi <= 1 and r.npmi_smoothed is not None
