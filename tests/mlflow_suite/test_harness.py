"""Unit tests of the harness itself: flag translation, launch detection, areas and causes.

They need neither MLflow's test files nor a server:
``python -m pytest tests/mlflow_suite/test_harness.py -p no:cacheprovider``.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import update_docs  # noqa: E402
import weir_suite  # noqa: E402


@pytest.mark.parametrize(
    "args, want",
    [
        (["mlflow", "server", "--port", "5001"], ["--port", "5001"]),
        (["/venv/bin/mlflow", "server", "--host=h"], ["--host=h"]),
        ([sys.executable, "-m", "mlflow", "server", "--port", "1"], ["--port", "1"]),
        (["mlflow", "ui"], None),
        (["bash", "script.sh"], None),
        ("mlflow server", None),
        ([], None),
    ],
)
def test_mlflow_server_args(args, want):
    got = weir_suite._mlflow_server_args(args)
    assert got == want, f"got {got}, want {want}"


def test_parse_mlflow_server_args():
    got = weir_suite._parse_mlflow_server_args(
        ["--port", "5001", "--backend-store-uri=sqlite:///x.db", "--no-serve-artifacts",
         "--gunicorn-opts", "--log-level debug", "--default-artifact-root", "file:///a"])
    want = {"port": "5001", "backend-store-uri": "sqlite:///x.db", "no-serve-artifacts": True,
            "gunicorn-opts": "--log-level debug", "default-artifact-root": "file:///a"}
    assert got == want, f"got {got}, want {want}"


@pytest.mark.parametrize(
    "target, opts, env, want",
    [
        ("weir",
         {"port": "7", "backend-store-uri": "sqlite:////t/mlflow.db", "default-artifact-root": "file:///t/a",
          "no-serve-artifacts": True},
         {},
         ["W", "server", "--host", "127.0.0.1", "--port", "7", "--backend-store-uri", "sqlite:////t/mlflow.weir.db",
          "--default-artifact-root", "file:///t/a", "--artifacts-destination", "/s/artifacts", "--no-serve-artifacts"]),
        ("weir",
         {"port": "7", "artifacts-destination": "file:///d"},
         {"MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true"},
         ["W", "server", "--host", "127.0.0.1", "--port", "7", "--backend-store-uri", "sqlite:////s/weir.db",
          "--artifacts-destination", "/d", "--webhook-allow-private-networks"]),
        ("mlflow",
         {"port": "7", "backend-store-uri": "sqlite:////t/mlflow.db", "no-serve-artifacts": True},
         {},
         [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", "7", "--workers", "1",
          "--backend-store-uri", "sqlite:////t/mlflow.db", "--no-serve-artifacts"]),
    ],
)
def test_server_command(monkeypatch, target, opts, env, want):
    monkeypatch.setenv("WEIR_SUITE_TARGET", target)
    monkeypatch.setenv("WEIR_BIN", "W")
    got = weir_suite._server_command(opts, env, Path("/s"))
    assert got == want, f"got {got}, want {want}"


def test_bad_target(monkeypatch):
    monkeypatch.setenv("WEIR_SUITE_TARGET", "wier")
    with pytest.raises(pytest.UsageError, match="wier"):
        weir_suite.target()


@pytest.mark.parametrize(
    "nodeid, want",
    [
        ("tests/tracking/test_rest_tracking.py::test_search_traces[sqlalchemy]", "Tracing and assessments"),
        ("tests/tracking/test_rest_tracking.py::test_list_artifacts_graphql[sqlalchemy]", "GraphQL"),
        ("tests/tracking/test_rest_tracking.py::test_create_model_version_with_file_uri[sqlalchemy]", "Registry"),
        ("tests/tracking/test_rest_tracking.py::test_log_batch[sqlalchemy]", "Tracking (experiments, runs, metrics)"),
        ("tests/tracking/test_model_registry.py::test_latest_models[sqlalchemy]", "Registry"),
        ("tests/webhooks/test_e2e.py::test_prompt_created", "Webhooks"),
        ("tests/other.py::test_x", "Other"),
    ],
)
def test_area_of(nodeid, want):
    got = update_docs.area_of(nodeid)
    assert got == want, f"got {got!r}, want {want!r}"


def test_cause_groups_messages_that_differ_only_in_ids():
    a = update_docs.cause_of("AssertionError: run 0123456789abcdef0123456789abcdef missing at /tmp/x/1")
    b = update_docs.cause_of("AssertionError: run fedcba9876543210fedcba9876543210 missing at /tmp/y/22")
    assert a == b, f"got {a!r} and {b!r}, want equal"


@pytest.mark.parametrize(
    "message, nodeid, want",
    [
        ("INVALID_PARAMETER_VALUE: Invalid model version source: 'runs:/x/model'.",
         "t.py::test_latest_models[sqlalchemy]", "model-version `source` checked more strictly"),
        ("assert 404 == 200", "t.py::test_graphql_handler[sqlalchemy]", "`POST /graphql` missing"),
        ("ENDPOINT_NOT_FOUND: No API endpoint POST /api/3.0/mlflow/traces/metrics.", "t.py::test_q",
         "endpoint missing: `POST /api/3.0/mlflow/traces/metrics`"),
    ],
)
def test_curated_causes(message, nodeid, want):
    got = update_docs.cause_of(message, nodeid)
    assert got.startswith(want), f"got {got!r}, want it to start with {want!r}"


def test_render_counts(tmp_path):
    weir = {"tests": {
        "t.py::test_a": {"outcome": "passed", "server": True},
        "t.py::test_b": {"outcome": "failed", "server": True, "message": "AssertionError: x"},
        "t.py::test_c": {"outcome": "skipped", "server": False, "message": "Skipped: out of scope: issues API"},
        "t.py::test_d": {"outcome": "passed", "server": False},
    }}
    ref = {"tests": {
        "t.py::test_a": {"outcome": "passed", "server": True},
        "t.py::test_b": {"outcome": "passed", "server": True},
        "t.py::test_c": {"outcome": "skipped", "server": False, "message": "Skipped: out of scope: issues API"},
        "t.py::test_d": {"outcome": "passed", "server": False},
    }}
    text = update_docs.render(weir, ref)
    for want in ("Weir passes 1 of the 2 applicable tests; mlflow server passes 2",
                 "1 out of scope: issues API", "1 not applicable: start no server", "`test_b`"):
        assert want in text, f"rendered text lacks {want!r}:\n{text}"


def test_missing_results_file_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no such results file"):
        update_docs.load(tmp_path / "nope.json")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
