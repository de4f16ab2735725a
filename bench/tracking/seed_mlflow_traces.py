"""Seed an MLflow SQLite database with the trace search benchmark's traces.

Sending 100,000 traces through `mlflow server` takes hours on the benchmark
machine (about 15 traces/s), so this writes them through MLflow's own store
instead, before the server starts. One trace goes through the store's real
calls (start_trace, then log_spans of spans decoded by Span.from_otel_proto,
as the server's /v1/traces handler does); its rows in every table that keys
on the trace id are then copied for each seeded trace with the ids, times,
state and tag changed, in one transaction. The traces are the ones the load
generator sends to the other servers (seedTraces in traces.go):

- trace n started n seconds after the first, the last one a second ago;
- 3 spans (a root and two children) with MLflow's attributes;
- state ERROR when n % 3 == 2, else OK;
- tags mlflow.traceName = "answer" and team = ["red", "green", "blue", "gold"][n % 4].

Usage: python seed_mlflow_traces.py sqlite:///PATH ARTIFACT_DIR TRACES
Prints: EXPERIMENT_ID
"""

import base64
import json
import sys
import time

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from sqlalchemy import select

from mlflow.entities import TraceInfo, TraceLocation, TraceState
from mlflow.entities.span import Span
from mlflow.store.tracking.dbmodels.models import Base
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

SPANS = 3
TEAMS = ["red", "green", "blue", "gold"]
QUESTION = ('{"question": "What is the capital of France? Answer in one word, please, and explain why in two '
            'sentences.", "step": %d}')
ANSWER = '{"answer": "Paris. It has been the seat of government for centuries and is the largest city of the country."}'
TEMPLATE_HEX = "7e" * 16  # the template trace's OpenTelemetry id, replaced in every copy


def kv(key, value):
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))


def otel_spans(trace_hex, t0_ns):
    """The spans the load generator sends (otlpTrace in traces.go), as OTLP protos."""
    out = []
    for i in range(SPANS):
        out.append(trace_pb2.Span(
            trace_id=bytes.fromhex(trace_hex), span_id=(i + 1).to_bytes(8, "big"),
            parent_span_id=(1).to_bytes(8, "big") if i else b"", name=f"step-{i}",
            kind=trace_pb2.Span.SPAN_KIND_INTERNAL,
            start_time_unix_nano=t0_ns + i * 1000, end_time_unix_nano=t0_ns + (SPANS + i) * 1000,
            attributes=[kv("mlflow.traceRequestId", "tr-" + trace_hex), kv("mlflow.spanType", "TOOL" if i else "CHAIN"),
                        kv("mlflow.spanInputs", QUESTION % i), kv("mlflow.spanOutputs", ANSWER)],
            status=trace_pb2.Status(code=trace_pb2.Status.STATUS_CODE_OK)))
    return out


def template_trace(store, exp_id, t0_ms):
    """Log one trace through the store's own calls and return its MLflow id."""
    trace_id = "tr-" + TEMPLATE_HEX
    info = TraceInfo(
        trace_id=trace_id, trace_location=TraceLocation.from_experiment_id(exp_id), request_time=t0_ms,
        execution_duration=40, state=TraceState.OK,
        request_preview='{"question": "What is the capital of France?"}', response_preview="Paris",
        trace_metadata={"mlflow.trace_schema.version": "3", "mlflow.user": "bench"},
        tags={"mlflow.traceName": "answer", "team": TEMPLATE_HEX})
    store.log_spans(exp_id, [Span.from_otel_proto(s) for s in otel_spans(TEMPLATE_HEX, t0_ms * 1_000_000)])
    store.start_trace(info)
    return trace_id


def trace_tables():
    """Every table with a trace id column, with that column's name."""
    for table in Base.metadata.sorted_tables:
        for col in ("request_id", "trace_id"):
            if col in table.c:
                yield table, col
                break


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    db_uri, artifact_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = SqlAlchemyStore(db_uri, artifact_dir)
    exp_id = store.create_experiment("weir-bench-traces-seeded")
    now_ms = int(time.time() * 1000)
    base_ms = now_ms - n * 1000
    template_id = template_trace(store, exp_id, base_ms)
    started = time.time()
    with store.engine.begin() as conn:
        templates = []
        for table, col in trace_tables():
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(table.c[col] == template_id))]
            if rows:
                templates.append((table, rows))
        for table, _ in templates:
            conn.execute(table.delete().where(table.c[dict(trace_tables())[table]] == template_id))
        for start in range(0, n, 5000):
            batch = {table: [] for table, _ in templates}
            for i in range(start, min(n, start + 5000)):
                hex_id = f"{i + 1:032x}"
                t0_ms = base_ms + i * 1000
                shift_ns = (t0_ms - base_ms) * 1_000_000
                state = "ERROR" if i % 3 == 2 else "OK"
                for table, rows in templates:
                    for row in rows:
                        batch[table].append(copy_row(row, hex_id, t0_ms, shift_ns, state, TEMPLATE_HEX, TEAMS[i % 4]))
            for table, rows in batch.items():
                # Computed columns (a span's duration) are the database's to fill.
                cols = {c.name for c in table.c if c.computed is None}
                conn.execute(table.insert(), [{k: v for k, v in r.items() if k in cols} for r in rows])
    print(f"seeded {n} traces in {time.time() - started:.1f}s", file=sys.stderr)
    print(exp_id)


def b64(hex_id):
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def copy_row(row, hex_id, t0_ms, shift_ns, state, template_hex, team):
    """The template's row for seeded trace hex_id: ids, times, state and team replaced."""
    out = {}
    for k, v in row.items():
        if isinstance(v, str):
            v = v.replace(template_hex, hex_id)
            if k == "value" and v == hex_id:
                v = team  # the team tag
        out[k] = v
    # Span contents hold the OpenTelemetry id in base64 too.
    if isinstance(out.get("content"), str):
        out["content"] = out["content"].replace(b64(template_hex), b64(hex_id))
    if "timestamp_ms" in out:
        out["timestamp_ms"] = t0_ms
    if "status" in out and "timestamp_ms" in out:
        out["status"] = state
    for k in ("start_time_unix_nano", "end_time_unix_nano"):
        if out.get(k) is not None:
            out[k] += shift_ns
    if "content" in out and isinstance(out["content"], str) and shift_ns:
        span = json.loads(out["content"])
        for k in ("start_time_unix_nano", "end_time_unix_nano"):
            if isinstance(span.get(k), int):
                span[k] += shift_ns
        out["content"] = json.dumps(span, ensure_ascii=False)
    return out


if __name__ == "__main__":
    main()
