"""Reference OTLP requests for the tracing package, written by OpenTelemetry's
own Protocol Buffers classes (opentelemetry-proto, installed with mlflow).

Writes tests/reference/fixtures/otlp/: request.bin (an ExportTraceServiceRequest
as OTLP over HTTP sends it), request.json (the same request in OTLP's JSON form:
lowerCamelCase names, hex ids, 64-bit integers as strings) and spans.json (each
span as MLflow's server answers it: the message's JSON with declared field
names, base64 ids, enum names, 64-bit integers as numbers), and span_dicts.jsonl
(each span as mlflow 3.17.2's server keeps it and serves it in a trace download,
traces.json: Span.from_otel_proto(...).to_dict() dumped as its SQL store dumps
it, one span a line). Fixed ids and times: the output is byte-for-byte
deterministic.
"""
import json
import pathlib

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

OUT = pathlib.Path(__file__).parent / "fixtures" / "otlp"
TRACE = bytes(range(1, 17))
T0 = 1_796_575_564_491_844_870


def kv(key, value):
    return common_pb2.KeyValue(key=key, value=any_value(value))


def any_value(v):
    if isinstance(v, bool):
        return common_pb2.AnyValue(bool_value=v)
    if isinstance(v, int):
        return common_pb2.AnyValue(int_value=v)
    if isinstance(v, float):
        return common_pb2.AnyValue(double_value=v)
    if isinstance(v, bytes):
        return common_pb2.AnyValue(bytes_value=v)
    if isinstance(v, list):
        return common_pb2.AnyValue(array_value=common_pb2.ArrayValue(values=[any_value(x) for x in v]))
    if isinstance(v, dict):
        return common_pb2.AnyValue(kvlist_value=common_pb2.KeyValueList(values=[kv(k, x) for k, x in v.items()]))
    return common_pb2.AnyValue(string_value=v)


def spans():
    root = trace_pb2.Span(
        trace_id=TRACE, span_id=bytes([0xA] * 8), name="predict", kind=trace_pb2.Span.SPAN_KIND_SERVER,
        start_time_unix_nano=T0, end_time_unix_nano=T0 + 20_312_995,
        attributes=[kv("mlflow.traceRequestId", "tr-0102030405060708090a0b0c0d0e0f10"), kv("mlflow.spanType", "CHAIN"),
                    kv("mlflow.spanInputs", {"x": 3, "rows": [1.5, -2.0, True], "note": "a \"quoted\" <tag> é"}),
                    kv("mlflow.spanOutputs", 7), kv("big", -(2 ** 63)), kv("raw", b"\x00\xff")],
        status=trace_pb2.Status(code=trace_pb2.Status.STATUS_CODE_OK))
    child = trace_pb2.Span(
        trace_id=TRACE, span_id=bytes([0xB] * 8), parent_span_id=bytes([0xA] * 8), name="tool",
        trace_state="vendor=1", flags=257,
        start_time_unix_nano=T0 + 1000, end_time_unix_nano=T0 + 2000,
        attributes=[kv("mlflow.spanType", "TOOL"), kv("score", 0.25)],
        events=[trace_pb2.Span.Event(time_unix_nano=T0 + 1500, name="exception",
                                     attributes=[kv("exception.message", "boom\nline 2")])],
        links=[trace_pb2.Span.Link(trace_id=bytes([0xC] * 16), span_id=bytes([0xD] * 8), attributes=[kv("why", "retry")])],
        status=trace_pb2.Status(code=trace_pb2.Status.STATUS_CODE_ERROR, message="tool failed"))
    return [root, child]


def as_numbers(d):
    """MLflow's server writes 64-bit integers as JSON numbers."""
    if isinstance(d, dict):
        return {k: (int(v) if k in ("start_time_unix_nano", "end_time_unix_nano", "time_unix_nano", "int_value") else as_numbers(v))
                for k, v in d.items()}
    if isinstance(d, list):
        return [as_numbers(x) for x in d]
    return d


def hex_ids(d):
    """OTLP/JSON writes trace and span ids in hex, not base64."""
    import base64
    if isinstance(d, dict):
        return {k: (base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") else hex_ids(v)) for k, v in d.items()}
    if isinstance(d, list):
        return [hex_ids(x) for x in d]
    return d


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    req = trace_service_pb2.ExportTraceServiceRequest(resource_spans=[trace_pb2.ResourceSpans(
        resource={"attributes": [kv("service.name", "weir-test")]},
        scope_spans=[trace_pb2.ScopeSpans(scope=common_pb2.InstrumentationScope(name="t"), spans=spans())])])
    (OUT / "request.bin").write_bytes(req.SerializeToString(deterministic=True))
    otlp_json = hex_ids(json_format.MessageToDict(req, use_integers_for_enums=True))
    (OUT / "request.json").write_text(json.dumps(otlp_json, indent=1, sort_keys=True) + "\n")
    want = [as_numbers(json_format.MessageToDict(s, preserving_proto_field_name=True)) for s in spans()]
    (OUT / "spans.json").write_text(json.dumps(want, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    (OUT / "span_dicts.jsonl").write_text("".join(mlflow_dict(s) + "\n" for s in spans()))


def mlflow_dict(proto_span):
    """The span's stored JSON, as mlflow's SqlAlchemyStore.log_spans writes it."""
    from mlflow.entities.span import Span
    from mlflow.tracing.utils import TraceJSONEncoder

    return json.dumps(Span.from_otel_proto(proto_span).to_dict(), cls=TraceJSONEncoder, ensure_ascii=False)


if __name__ == "__main__":
    main()
