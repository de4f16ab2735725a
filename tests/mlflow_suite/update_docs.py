"""Rewrite the results section of docs/compatibility.md from the harness's JSON results.

    python tests/mlflow_suite/update_docs.py [--weir FILE] [--mlflow FILE] [--doc FILE]

The inputs default to the committed summaries in tests/mlflow_suite/results/; run.sh
writes fresh ones to tests/mlflow_suite/out/, and ``--save`` copies those (without
log paths) over the committed ones. Only the text between the BEGIN and END markers
of the document is replaced, so the prose around the tables is kept.
"""

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BEGIN = "<!-- BEGIN mlflow-suite results (tests/mlflow_suite/update_docs.py) -->"
END = "<!-- END mlflow-suite results -->"

# (area, test file, test-name pattern); the first match wins.
AREAS = [
    ("GraphQL", "test_rest_tracking.py", r"graphql"),
    ("Tracing and assessments", "test_rest_tracking.py", r"trace|span|assessment|otel"),
    ("Evaluation datasets", "test_rest_tracking.py", r"evaluation_dataset|dataset_experiment|_rest_tracking$"),
    ("Scorers", "test_rest_tracking.py", r"scorer"),
    ("UI helper endpoints", "test_rest_tracking.py", r"search_dataset_handler|promptlab"),
    ("Logged models", "test_rest_tracking.py", r"logged_model|log_outputs|log_inputs_model|model_version_model_id"),
    ("Registry", "test_rest_tracking.py", r"model_version"),
    ("Artifacts", "test_rest_tracking.py", r"artifact"),
    ("Tracking (experiments, runs, metrics)", "test_rest_tracking.py", r""),
    ("Registry", "test_model_registry.py", r""),
    ("Artifacts", "test_mlflow_artifacts.py", r""),
    ("Webhooks", "test_client_webhooks.py", r""),
    ("Webhooks", "webhooks/test_e2e.py", r""),
]
AREA_ORDER = []
for _a, _f, _p in AREAS:
    if _a not in AREA_ORDER:
        AREA_ORDER.append(_a)

# (test-name pattern, failure-message pattern, cause): curated from the runs, read with
# the tests' source; the first match wins. A failure that matches none is grouped by its
# first message line with ids and numbers blanked.
CAUSES = [
    (r"graphql", r"", "`POST /graphql` missing (MLflow's UI queries)"),
    (r"evaluation_dataset|dataset_experiment|_rest_tracking$", r"",
     "GenAI evaluation datasets (`/api/3.0/mlflow/datasets/...`) missing"),
    (r"search_dataset_handler|promptlab", r"",
     "UI helper ajax endpoints missing (`search-datasets`, `create-promptlab-run`)"),
    (r"scorer", r"", "scorer registration (`/api/3.0/mlflow/scorers/...`) missing"),
    (r"^test_create_model_version_with_file_uri", r"is not a valid remote uri|assert 400 == 500",
     "a `file://<remote host>/...` model-version source: mlflow answers 500 INTERNAL_ERROR `... is not a valid "
     "remote uri`, which the test expects; Weir answers 400 INVALID_PARAMETER_VALUE"),
    (r"", r"Invalid model version source|must identify the resource",
     "model-version `source` checked more strictly than MLflow: a `runs:/` source must name an existing run"),
    (r"^test_create_model_version_with_file_uri", r"",
     "model-version `source` checked more strictly than MLflow: `..` refused even when the resolved path stays "
     "in the run's artifacts"),
    (r"^test_create_model_version_with_non_local_source", r"",
     "model-version `source` checked more strictly than MLflow: `mlflow-artifacts:/` and `..` sources refused"),
    (r"^test_create_model_version_with_validation_regex", r"",
     "`MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX` (server-side source allow-list) not supported"),
    (r"^test_upload_artifact_handler$|^test_(get|list)_logged_model_artifacts?$", r"",
     "artifacts under a `file://` default artifact root not served (MLflow serves them without "
     "`--serve-artifacts`: `upload-artifact`, logged-model artifacts get and list)"),
    (r"get_model_version_artifact", r"", "`GET /model-versions/get-artifact` missing"),
    (r"^test_get_trace_artifact_handler", r"", "`GET /ajax-api/2.0/mlflow/get-trace-artifact` missing"),
    (r"^test_legacy_start_and_end_trace_v2", r"", "v2 `traces` start/end (the legacy tracing API) missing"),
    (r"^test_search_traces_match_text", r"", "trace search lacks full text (`trace.text LIKE ...`)"),
    (r"^test_assessments_end_to_end", r"serialized_value",
     "an expectation whose value is not a primitive is not returned as `serialized_value` (JSON text)"),
    (r"^test_link_traces_to_run", r"not found",
     "`link traces to run` refuses trace ids not stored yet (the client logs traces asynchronously)"),
    (r"^test_mime_type_for_download", r"",
     "content types: `text/plain; charset=utf-8` where MLflow sends `text/plain`; `MLproject` matched "
     "case-sensitively"),
    (r"^test_create_model_version_model_id", r"",
     "`mlflow.modelVersions` tag written as compact JSON; MLflow writes Python's spaced form"),
    (r"^test_path_validation", r"", "`Invalid path` error message worded differently"),
    (r"^test_get_metric_history_bulk_interval", r"",
     "`get-history-bulk-interval` samples different points than MLflow"),
    (r"", r"No API endpoint (\S+ \S+?)\.?(?:\s|$)", "endpoint missing: `{0}`"),
]
ERROR_PATTERN = re.compile(r"(\w+(?:Error|Exception))\b:?\s*(.*)")


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        sys.exit(f"{path}: no such results file (run tests/mlflow_suite/run.sh first)")
    except json.JSONDecodeError as e:
        sys.exit(f"{path}: not valid JSON: {e}")
    if not isinstance(data.get("tests"), dict):
        sys.exit(f"{path}: no \"tests\" object")
    return data


def area_of(nodeid: str) -> str:
    path, _, name = nodeid.partition("::")
    name = re.sub(r"\[.*$", "", name)
    for area, file, pattern in AREAS:
        if path.endswith(file) and re.search(pattern, name):
            return area
    return "Other"


def test_name(nodeid: str) -> str:
    """Return the test's name and parameters, without the store parameter every test has."""
    name = nodeid.partition("::")[2]
    name = re.sub(r"\[sqlalchemy\]$", "", name)
    return re.sub(r"\[sqlalchemy-", "[", name)


def cause_of(message: str, nodeid: str = "", curated: bool = True) -> str:
    name = re.sub(r"\[.*$", "", test_name(nodeid))
    for name_pattern, message_pattern, cause in CAUSES if curated else ():
        m = re.search(message_pattern, message, re.IGNORECASE) if message_pattern else None
        if re.search(name_pattern, name) and (m or not message_pattern):
            return cause.format(*(m.groups() if m else ()))
    first = next((ln.strip() for ln in message.splitlines() if ln.strip()), "no message")
    m = ERROR_PATTERN.search(first)
    if m:
        first = f"{m.group(1)}: {m.group(2)}"
    # Ids, numbers and temporary paths differ per test; drop them so causes group.
    first = re.sub(r"[0-9a-f]{32}|tr-[0-9a-f]+|m-[0-9a-f]+", "<id>", first)
    first = re.sub(r"/tmp/\S+", "<tmp>", first)
    first = re.sub(r"\d+", "N", first)
    return first[:140].replace("|", "\\|")


def failed(rec: dict | None) -> bool:
    return rec is not None and rec["outcome"] in ("failed", "error")


def render(weir: dict, ref: dict) -> str:
    w, m = weir["tests"], ref["tests"]
    rows = defaultdict(lambda: {"applicable": 0, "mlflow": 0, "weir": 0, "both": 0})
    out_of_scope = defaultdict(int)
    not_server = []
    weir_fail = defaultdict(list)  # cause -> tests that pass on mlflow and fail on weir
    both_fail = []
    weir_only = []
    for nodeid in sorted(set(w) | set(m)):
        if re.search(r"\[file(\]|-)", nodeid):
            continue  # MLflow skips every file-store variant itself
        rw, rm = w.get(nodeid), m.get(nodeid)
        msg = ((rw or {}).get("message") or (rm or {}).get("message") or "")
        if any(r and r["outcome"] == "skipped" for r in (rw, rm)):
            m_skip = re.search(r"(out of scope|not applicable): (.*)", msg)
            if m_skip:
                out_of_scope[(m_skip.group(1), m_skip.group(2).strip())] += 1
            continue
        if not ((rw or {}).get("server") or (rm or {}).get("server")):
            not_server.append(nodeid)
            continue
        row = rows[area_of(nodeid)]
        row["applicable"] += 1
        ok_w = rw is not None and rw["outcome"] == "passed"
        ok_m = rm is not None and rm["outcome"] == "passed"
        row["weir"] += ok_w
        row["mlflow"] += ok_m
        row["both"] += ok_w and ok_m
        if not ok_w and ok_m:
            weir_fail[cause_of((rw or {}).get("message", "not run on weir"), nodeid)].append(nodeid)
        elif not ok_w and not ok_m:
            both_fail.append(nodeid)
        elif ok_w and not ok_m:
            weir_only.append(nodeid)

    lines = [BEGIN, ""]
    total = {k: sum(r[k] for r in rows.values()) for k in ("applicable", "mlflow", "weir", "both")}
    lines.append(f"MLflow tests from `{weir.get('tests_rev') or ref.get('tests_rev') or 'unknown revision'}`, "
                 f"client and reference server mlflow {ref.get('mlflow_version', '?')}. "
                 f"Wall time: Weir {weir.get('wall_seconds', '?')} s, mlflow {ref.get('wall_seconds', '?')} s.")
    lines.append("")
    lines.append(f"**Weir passes {total['weir']} of the {total['applicable']} applicable tests; "
                 f"mlflow server passes {total['mlflow']}.** "
                 f"{total['mlflow'] - total['both']} pass on mlflow only, "
                 f"{total['weir'] - total['both']} on Weir only.")
    lines.append("")
    lines.append("| Area | Applicable | Pass on mlflow | Pass on Weir | Fail on Weir, pass on mlflow |")
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for area in AREA_ORDER + ["Other"]:
        if area not in rows:
            continue
        r = rows[area]
        lines.append(f"| {area} | {r['applicable']} | {r['mlflow']} | {r['weir']} | {r['mlflow'] - r['both']} |")
    lines.append(f"| **Total** | **{total['applicable']}** | **{total['mlflow']}** | **{total['weir']}** | "
                 f"**{total['mlflow'] - total['both']}** |")
    lines.append("")
    lines.append("Not counted:")
    lines.append("")
    for (kind, reason), n in sorted(out_of_scope.items(), key=lambda kv: (kv[0][0] != "out of scope", -kv[1])):
        lines.append(f"- {n} {kind}: {reason}")
    lines.append(f"- {len(not_server)} not applicable: start no server (they call MLflow's handlers in-process)")
    lines.append("- the tests MLflow itself skips (every `[file]` variant: the file store is retired)")
    lines.append("")
    lines.append("### Failing on Weir, passing on mlflow, by cause")
    lines.append("")
    for cause, ids in sorted(weir_fail.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        by_area = defaultdict(list)
        for i in ids:
            by_area[area_of(i)].append(test_name(i))
        lines.append(f"- **{cause}** ({len(ids)}):")
        for area in sorted(by_area):
            lines.append(f"  - {area}: " + ", ".join(f"`{n}`" for n in by_area[area]))
    if not weir_fail:
        lines.append("None.")
    lines.append("")
    lines.append(f"### Failing on both ({len(both_fail)})")
    lines.append("")
    lines.append("These fail on mlflow server 3.17.2 as well (the tests come from a different MLflow "
                 "version or need something the harness does not provide); they do not count against Weir.")
    lines.append("")
    for i in both_fail:
        lines.append(f"- `{test_name(i)}` ({area_of(i)}): {cause_of(m.get(i, {}).get('message', ''), i, curated=False)}")
    lines.append("")
    lines.append(f"### Passing on Weir, failing on mlflow ({len(weir_only)})")
    lines.append("")
    for i in weir_only:
        lines.append(f"- `{test_name(i)}` ({area_of(i)}): {cause_of(m.get(i, {}).get('message', ''), i, curated=False)}")
    lines += ["", END]
    return "\n".join(lines)


def save(src: Path, dst: Path) -> None:
    data = load(src)
    for rec in data["tests"].values():
        rec.pop("logs", None)
        if "message" in rec:
            rec["message"] = rec["message"][:400]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weir", type=Path, default=HERE / "results" / "weir.json")
    p.add_argument("--mlflow", type=Path, default=HERE / "results" / "mlflow.json")
    p.add_argument("--doc", type=Path, default=ROOT / "docs" / "compatibility.md")
    p.add_argument("--save", action="store_true",
                   help="first copy out/weir.json and out/mlflow.json over the committed results")
    args = p.parse_args()
    if args.save:
        for name in ("weir", "mlflow"):
            save(HERE / "out" / f"{name}.json", HERE / "results" / f"{name}.json")
    text = args.doc.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{args.doc}: markers not found; it needs the lines\n{BEGIN}\n{END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    args.doc.write_text(head + render(load(args.weir), load(args.mlflow)) + tail)


if __name__ == "__main__":
    main()
