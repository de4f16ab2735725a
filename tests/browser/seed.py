"""Seed a Weir server for the browser tests through MLflow's own client.

Usage: python seed.py TRACKING_URL OUT.json

Creates experiments with plain, nested and long-history runs, artifacts of
every previewed kind, a registered model with versions and an alias, and
monitoring windows, traces (@mlflow.trace and a 2,000-span OTLP trace);
writes the IDs the browser test needs to OUT.json.
"""
import json
import math
import os
import random
import struct
import sys
import tempfile
import zlib

from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param
from mlflow.tracking import MlflowClient

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z, so the pages show fixed dates


def png(width, height):
    """A small gradient PNG, written by hand so no imaging library is needed."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 160))
        for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


MLMODEL = """artifact_path: model
flavors:
  weir:
    predictor: predictor.json
    learner: gbdt
run_id: {run_id}
utc_time_created: '2026-01-01 00:00:00.000000'
signature:
  inputs: '[{{"type": "long", "name": "age", "required": true}}, {{"type": "string", "name": "job", "required": true}}, {{"type": "double", "name": "balance", "required": true}}]'
  outputs: '[{{"type": "double", "name": "probability", "required": true}}]'
"""


def log_files(client, run_id, files):
    with tempfile.TemporaryDirectory() as d:
        for rel, content in files.items():
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode())
        for top in sorted({rel.split("/")[0] for rel in files}):
            full = os.path.join(d, top)
            if os.path.isdir(full):
                client.log_artifacts(run_id, full, artifact_path=top)
            else:
                client.log_artifact(run_id, full)


def seed_pipeline(c):
    """An experiment shaped like Weir's pipeline logs it: a parent run with
    values logged once (baseline.*, holdout.*, holdout_roc_auc), trial runs
    of two learners whose params differ, and valid_* metrics that differ
    only in the fourth decimal (the scatter's ticks must stay distinct)."""
    exp = c.create_experiment("bank-pipeline")
    start = T0 + 90 * 3_600_000
    parent = c.create_run(exp, run_name="bank-20260104-180000", start_time=start, tags={
        "weir.pipeline": "bank", "mlflow.source.name": "weir pipeline bank",
        "weir.pipeline.step.model": "ran in 33.0s",
        # One value long enough to wrap: a tag MLflow clients write as JSON.
        "weir.data.summary": json.dumps({"columns": [f"feature_{i:02d}" for i in range(40)], "rows": 45211}),
    })
    pid = parent.info.run_id
    metrics = {"baseline.log_loss": 0.3597, "baseline.pr_auc": 0.117, "baseline.roc_auc": 0.5,
               "holdout.gbdt.roc_auc": 0.9353, "holdout.logistic.roc_auc": 0.9071,
               "holdout_roc_auc": 0.9353, "holdout_pr_auc": 0.6112, "holdout_log_loss": 0.2011,
               "business.profit": 118250.0}
    params = {f"prepare.{k}": v for k, v in {
        "dropped": "duration", "features": "16", "impute": "median", "encode": "one-hot", "scale": "standard",
        "rare_categories": "0.01", "outliers": "clip", "target": "y", "positive": "yes"}.items()}
    params.update({"seed": "42", "model.winner": "gbdt", "split.kind": "time", "split.cutoff": "2009-01-01"})
    c.log_batch(pid, metrics=[Metric(k, v, start + 1000, 0) for k, v in metrics.items()],
                params=[Param(k, v) for k, v in params.items()])
    trials = []
    for j in range(6):
        learner = "gbdt" if j < 4 else "logistic"
        t0 = start + 5_000 + j * 6_000
        r = c.create_run(exp, run_name=f"{learner}-trial-{j}", start_time=t0,
                         tags={"mlflow.parentRunId": pid, "weir.learner": learner})
        ps = {"learner": learner, "seed": "42"}
        if learner == "gbdt":
            ps.update({"num_leaves": str(15 + 16 * j), "learning_rate": str([0.05, 0.1][j % 2]),
                       "feature_fraction": str(round(0.5 + 0.1 * j, 2))})
        else:
            ps.update({"C": str([0.1, 1.0][j % 2])})
        auc = 0.93521 + 0.00003 * j if learner == "gbdt" else 0.9071 + 0.00002 * j
        c.log_batch(r.info.run_id, params=[Param(k, v) for k, v in ps.items()], metrics=[
            Metric("valid_roc_auc", auc, t0 + 5_500, 0), Metric("valid_pr_auc", 0.6 + j / 100, t0 + 5_500, 0),
            Metric("valid_log_loss", 0.21 - j / 1000, t0 + 5_500, 0)])
        c.set_terminated(r.info.run_id, end_time=t0 + 5_500)
        trials.append(r.info.run_id)
    c.set_terminated(pid, end_time=start + 60_000)
    return {"pipeline_experiment": exp, "pipeline_run": pid, "trials": trials}


def seed_python(url, c):
    """A run logged as a Python user does: log_metric, then log_model, whose
    copy of the metric carries the model's model_id; registered as a model
    whose champion is that version."""
    import mlflow
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    exp = mlflow.set_experiment("python-logged")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    with mlflow.start_run(run_name="sklearn-logreg") as run:
        mlflow.log_param("max_iter", 500)
        mlflow.log_metric("accuracy", float(np.mean(model.predict(X) == y)))
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        info = mlflow.sklearn.log_model(model, name="model", input_example=X.iloc[:2])
    mv = mlflow.register_model(f"models:/{info.model_id}", "iris-classifier")
    c.set_registered_model_alias("iris-classifier", "champion", mv.version)
    return {"python_experiment": exp.experiment_id, "python_run": run.info.run_id,
            "python_model": "iris-classifier", "python_model_id": info.model_id, "python_version": mv.version}


def seed_traces(url):
    """Traces as an application makes them with @mlflow.trace: a support
    agent that retrieves documents, looks an order up and asks a chat model
    (whose token usage MLflow sums into the trace), one call failing in its
    tool; and one trace of 2,000 spans sent as an OpenTelemetry exporter
    sends it (OTLP/JSON to /v1/traces), for the page's speed."""
    import mlflow
    import requests
    from mlflow.entities import SpanType
    from mlflow.tracing.constant import SpanAttributeKey

    mlflow.set_tracking_uri(url)
    exp = mlflow.set_experiment("support-agent")

    @mlflow.trace(span_type=SpanType.RETRIEVER)
    def retrieve(question):
        return [{"page_content": "Orders ship within 3 days.", "metadata": {"doc_uri": "faq/shipping.md"}},
                {"page_content": "Refunds take 5 days.", "metadata": {"doc_uri": "faq/refunds.md"}}]

    @mlflow.trace(span_type=SpanType.TOOL)
    def lookup_order(order_id):
        if order_id < 0:
            raise ValueError(f"order {order_id} does not exist")
        return {"order_id": order_id, "status": "shipped"}

    @mlflow.trace(span_type=SpanType.CHAT_MODEL)
    def chat(messages):
        mlflow.get_current_active_span().set_attribute(
            SpanAttributeKey.CHAT_USAGE, {"input_tokens": 50 + 10 * len(messages), "output_tokens": 20, "total_tokens": 70 + 10 * len(messages)})
        return "Your order has shipped and should arrive within 3 days."

    @mlflow.trace(span_type=SpanType.CHAIN)
    def answer(question, order_id):
        mlflow.update_current_trace(tags={"channel": "web" if order_id % 2 else "email"})
        docs = retrieve(question)
        order = lookup_order(order_id)
        return chat([{"role": "system", "content": d["page_content"]} for d in docs]
                    + [{"role": "user", "content": question}, {"role": "tool", "content": json.dumps(order)}])

    questions = ["Where is my order?", "When will it arrive?", "Can I get a refund?", "Has order 3 shipped?",
                 "What about order -1?", "Thanks!"]
    ids = []
    for i, q in enumerate(questions):
        try:
            answer(q, -1 if i == 4 else i + 1)
        except ValueError:
            pass
        ids.append(mlflow.get_last_active_trace_id())
    mlflow.flush_trace_async_logging()

    trace_hex = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    requests.post(url + "/v1/traces", json=big_trace(trace_hex), timeout=60,
                  headers={"X-MLflow-Experiment-Id": exp.experiment_id}).raise_for_status()
    return {"trace_experiment": exp.experiment_id, "traces": ids, "failed_trace": ids[4], "big_trace": "tr-" + trace_hex}


def big_trace(trace_hex, n=2000):
    """An agent's trace of n spans in OTLP/JSON: a root, steps of 48 calls
    each (LLM, retriever, tool...), every eighth call with an inner call."""
    import time
    types = ["LLM", "RETRIEVER", "TOOL", "CHAIN", "EMBEDDING", "PARSER"]
    start = time.time_ns() - 60 * 1_000_000_000
    ms = 1_000_000
    spans = []

    def add(parent, name, typ, at, dur):
        sid = f"{len(spans) + 1:016x}"
        span = {"traceId": trace_hex, "spanId": sid, "name": name, "kind": 1,
                "startTimeUnixNano": str(start + at), "endTimeUnixNano": str(start + at + dur),
                "attributes": [{"key": "mlflow.spanType", "value": {"stringValue": json.dumps(typ)}},
                               {"key": "mlflow.spanInputs", "value": {"stringValue": json.dumps({"step": len(spans), "query": "look up the customer's last orders"})}},
                               {"key": "mlflow.spanOutputs", "value": {"stringValue": json.dumps({"rows": len(spans) % 17})}}],
                "status": {"code": 1}}
        if parent:
            span["parentSpanId"] = parent
        if len(spans) % 97 == 5:
            span["status"] = {"code": 2, "message": "TimeoutError: the tool did not answer"}
        spans.append(span)
        return sid

    root = add(None, "agent_run", "AGENT", 0, 42 * 250 * ms)
    step = 0
    while len(spans) < n:
        at = step * 250 * ms
        s = add(root, f"step_{step:02d}", "CHAIN", at, 240 * ms)
        for j in range(48):
            if len(spans) >= n:
                break
            typ = types[j % len(types)]
            c = add(s, f"{typ.lower()}_{j}", typ, at + j * 4 * ms, 3 * ms)
            if j % 8 == 0 and len(spans) < n:
                add(c, "inner_call", "TOOL", at + j * 4 * ms + ms, ms)
        step += 1
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
                               "scopeSpans": [{"scope": {"name": "seed"}, "spans": spans}]}]}


def main(url, out):
    rng = random.Random(7)
    c = MlflowClient(tracking_uri=url, registry_uri=url)
    ids = {}
    exp = c.create_experiment("bank-marketing", tags={"team": "growth"})
    ids["experiment"] = exp
    runs = []
    for i in range(60):
        model = ["gbdt", "logistic", "forest"][i % 3]
        start = T0 + i * 3_600_000
        r = c.create_run(exp, run_name=f"{model}-{i:02d}", start_time=start, tags={"team": "growth", "dataset": "2008"})
        lr = round(0.02 + 0.01 * (i % 7), 3)
        depth = 3 + i % 5
        auc = 0.70 + 0.2 * (1 - math.exp(-depth / 4)) + rng.uniform(-0.02, 0.02)
        metrics = []
        for step in range(30):
            ts = start + step * 1000
            metrics.append(Metric("auc", auc * (1 - math.exp(-(step + 1) / 6)), ts, step))
            metrics.append(Metric("logloss", 0.7 * math.exp(-(step + 1) / 8) + 0.25 + rng.uniform(0, 0.01), ts, step))
        metrics.append(Metric("accuracy", 0.85 + auc / 20, start + 30_000, 29))
        c.log_batch(r.info.run_id, metrics=metrics, params=[
            Param("model", model), Param("learning_rate", str(lr)), Param("max_depth", str(depth)),
            Param("n_estimators", str(100 + 50 * (i % 4)))])
        c.set_terminated(r.info.run_id, "FINISHED" if i % 13 else "FAILED", end_time=start + 95_000 + i * 1000)
        runs.append(r.info.run_id)
    ids["runs"] = runs

    parent = c.create_run(exp, run_name="tuning-sweep", start_time=T0 + 70 * 3_600_000)
    children = []
    for j in range(4):
        ch = c.create_run(exp, run_name=f"trial-{j}", start_time=T0 + 70 * 3_600_000 + j * 60_000,
                          tags={"mlflow.parentRunId": parent.info.run_id})
        c.log_batch(ch.info.run_id, metrics=[Metric("auc", 0.8 + j / 100, T0, 0)], params=[Param("max_depth", str(4 + j))])
        c.set_terminated(ch.info.run_id, end_time=T0 + 70 * 3_600_000 + j * 60_000 + 30_000)
        children.append(ch.info.run_id)
    c.set_terminated(parent.info.run_id, end_time=T0 + 70 * 3_600_000 + 300_000)
    ids["parent"], ids["children"] = parent.info.run_id, children

    # A long run: a 5,000-step history and one artifact of each previewed kind.
    long = c.create_run(exp, run_name="long-training", start_time=T0 + 80 * 3_600_000, tags={
        "mlflow.source.name": "train.py", "mlflow.source.git.commit": "3f2a9c1d0b7e4a6f8c2d1e0f9a8b7c6d5e4f3a2b",
        "mlflow.user": "ana", "mlflow.note.content": "Baseline with early stopping."})
    lid = long.info.run_id
    hist = [Metric("loss", 1.5 * math.exp(-s / 900) + 0.2 + 0.05 * math.sin(s / 40), T0 + 80 * 3_600_000 + s * 200, s)
            for s in range(5000)]
    for k in range(0, len(hist), 1000):
        c.log_batch(lid, metrics=hist[k:k + 1000])
    c.log_batch(lid, metrics=[Metric("auc", 0.91, T0 + 80 * 3_600_000 + 999_000, 0)], params=[Param("model", "gbdt"), Param("max_depth", "6")])
    c.log_inputs(lid, datasets=[DatasetInput(
        Dataset(name="bank-2008", digest="5c1e0a9f", source_type="local", source="bank-full.csv"),
        tags=[InputTag("mlflow.data.context", "training")])])
    csv = "age,job,balance,y\n" + "".join(f"{30 + i},{['admin', 'technician'][i % 2]},{100 * i},{i % 2}\n" for i in range(40))
    log_files(c, lid, {
        "notes.txt": "Training notes\n<script>alert(1)</script> must show as text.\n",
        "metrics.json": json.dumps({"auc": 0.91, "folds": [0.9, 0.92]}),
        "config.yaml": "model: gbdt\nparams:\n  max_depth: 6\n",
        "sample.csv": csv,
        "plots/roc.png": png(96, 64),
        "report.html": "<!doctype html><html><body><h1>Drift report</h1><p>All features stable.</p></body></html>",
        "model/MLmodel": MLMODEL.format(run_id=lid),
        "model/model_card.md": "# Bank classifier\n\nPredicts term-deposit subscription.\n",
        "model/predictor.json": "{}",
    })
    c.set_terminated(lid, end_time=T0 + 80 * 3_600_000 + 1_000_000)
    ids["long"] = lid

    c.create_registered_model("bank-classifier", description="Term-deposit propensity model.")
    v1 = c.create_model_version("bank-classifier", f"{long.info.artifact_uri}/model", run_id=lid)
    c.create_model_version("bank-classifier", f"{long.info.artifact_uri}/model", run_id=lid, description="Retrained on 2009.")
    c.set_registered_model_alias("bank-classifier", "champion", v1.version)
    c.create_registered_model("churn-model")
    ids["model"] = "bank-classifier"

    mon = c.create_experiment("bank-classifier-monitoring")
    for w in range(6):
        start = T0 + w * 7 * 86_400_000
        r = c.create_run(mon, run_name=f"window-{w + 1}", start_time=start,
                         tags={"weir.monitoring.model": "bank-classifier", "weir.monitoring.model_version": "1"})
        drift = {"contact": 0.05 + 0.08 * w, "poutcome": 0.04 + 0.06 * w, "age": 0.02 + 0.005 * w}
        ms = [Metric("drift_share", min(1.0, 0.1 * w), start, 0), Metric("window.roc_auc", 0.9 - 0.02 * w, start, 0),
              Metric("window.precision", 0.6 - 0.03 * w, start, 0)]
        ms += [Metric("drift." + k, v, start, 0) for k, v in drift.items()]
        c.log_batch(r.info.run_id, metrics=ms)
        log_files(c, r.info.run_id, {"drift_report.html": f"<!doctype html><title>Window {w + 1}</title><h1>Window {w + 1}</h1>"})
        c.set_terminated(r.info.run_id, end_time=start + 60_000)

    ids.update(seed_pipeline(c))
    ids.update(seed_python(url, c))
    ids.update(seed_traces(url))
    c.set_registered_model_alias("bank-classifier", "challenger", "2")

    c.create_experiment("churn-baseline")
    gone = c.create_experiment("scratch")
    c.delete_experiment(gone)
    with open(out, "w") as f:
        json.dump(ids, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
