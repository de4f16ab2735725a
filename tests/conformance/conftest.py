"""Fixtures for the MLflow-client conformance suite.

The suite drives a tracking server with the official ``mlflow`` Python client.
``WEIR_CONFORMANCE_TARGET`` picks the server:

* ``weir`` (default): Weir's binary, from ``$WEIR_BIN`` or built with
  ``go build ./cmd/weir`` from the repository root;
* ``mlflow``: a real ``mlflow server`` from the same virtualenv. The suite must
  pass there, which shows that the tests encode MLflow's behaviour rather than
  Weir's.

``WEIR_CONFORMANCE_ARTIFACTS`` picks where the server keeps artifacts:

* ``local`` (default): a directory under pytest's temporary directory;
* ``s3``: ``s3://$WEIR_TEST_S3_BUCKET/conformance-<random>`` on the S3 server
  at ``$WEIR_TEST_S3_ENDPOINT`` (path-style addressing, credentials from
  ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``), as ``.ci/run`` exports them
  after starting versitygw with ``tests/s3/versitygw.sh``. There the artifact
  proxy's multipart upload is real rather than refused.

``WEIR_CONFORMANCE_URL`` skips the start-up and uses a server that is already
running (it must have been started with the flags ``_server_command`` uses).

Each server writes its stdout/stderr to a log file under pytest's temporary
directory; the tail of that log is attached to every failing test's report.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from support import artifact_store

# The client reads these when it makes a request, so they must be set before
# any test runs. Retries are off: a broken server must fail a test quickly
# rather than make the suite back off for minutes.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
# Telemetry would send requests of its own and is not what we test.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("weir", "mlflow")
S3_ENV = ("WEIR_TEST_S3_ENDPOINT", "WEIR_TEST_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
# A cold `mlflow server` on a busy two-core machine has been seen to take a
# minute before /health answers.
STARTUP_TIMEOUT_S = 240
LOG_TAIL_LINES = 60

_server_log: Path | None = None


def target() -> str:
    """Return the server kind under test, failing loudly on a typo."""
    value = os.environ.get("WEIR_CONFORMANCE_TARGET", "weir").strip().lower()
    if value not in TARGETS:
        raise pytest.UsageError(
            f"WEIR_CONFORMANCE_TARGET={value!r}: expected one of {', '.join(TARGETS)}"
        )
    return value


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "artifacts: needs the artifact proxy (mlflow-artifacts:/ upload, list, download)",
    )
    config.addinivalue_line("markers", "slow: creates thousands of runs or metric points")
    config.addinivalue_line("markers", "models: logs and loads MLflow 3 models (logged-model endpoints)")
    config.addinivalue_line("markers", "registry: model registry (registered models, versions, aliases, webhooks)")


def pytest_report_header(config):
    return f"conformance target: {target()}, artifacts: {artifact_store()}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _weir_binary(tmp: Path) -> str:
    explicit = os.environ.get("WEIR_BIN")
    if explicit:
        if not os.access(explicit, os.X_OK):
            pytest.exit(f"WEIR_BIN={explicit} is not an executable file", returncode=3)
        return explicit
    go = shutil.which("go")
    if go is None:
        pytest.exit("weir mode needs `go` on PATH (or WEIR_BIN set) to build cmd/weir", returncode=3)
    out = tmp / "weir"
    build = subprocess.run(
        [go, "build", "-o", str(out), "./cmd/weir"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.exit(f"go build ./cmd/weir failed:\n{build.stdout}{build.stderr}", returncode=3)
    return str(out)


def _s3_destination() -> str:
    """Check the S3 environment and return a fresh prefix in the test bucket."""
    missing = [name for name in S3_ENV if not os.environ.get(name)]
    if missing:
        pytest.exit(
            "WEIR_CONFORMANCE_ARTIFACTS=s3 needs " + ", ".join(missing) + " in the environment "
            '(eval "$(tests/s3/versitygw.sh start DIR PORT)" exports them)',
            returncode=3,
        )
    # A prefix of its own, so runs of the suite never see each other's files.
    return f"s3://{os.environ['WEIR_TEST_S3_BUCKET']}/conformance-{uuid.uuid4().hex[:12]}"


def _server_command(kind: str, tmp: Path, port: int) -> tuple[list[str], dict]:
    """Return the server's command line and the environment to start it with."""
    env = dict(os.environ)
    store = ["--backend-store-uri", f"sqlite:///{tmp / (kind + '.db')}"]
    artifacts = ["--artifacts-destination", str(tmp / "artifacts")]
    s3 = []
    if artifact_store() == "s3":
        artifacts = ["--artifacts-destination", _s3_destination()]
        if kind == "mlflow":
            try:
                import boto3  # noqa: F401  (mlflow's S3 store needs it)
            except ImportError:
                pytest.exit("mlflow with S3 artifacts needs boto3 in the virtualenv", returncode=3)
            env["MLFLOW_S3_ENDPOINT_URL"] = os.environ["WEIR_TEST_S3_ENDPOINT"]
        else:
            s3 = ["--s3-endpoint-url", os.environ["WEIR_TEST_S3_ENDPOINT"], "--s3-path-style"]
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    if kind == "mlflow":
        # Two workers: the machine has two cores, and the 2,500-run test
        # creates runs from a few threads at once.
        return [sys.executable, "-m", "mlflow", "server", *listen, *store, *artifacts, "--workers", "2"], env
    return [_weir_binary(tmp), "server", *listen, *store, *artifacts, *s3], env


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(cannot read server log {path}: {e})"
    return "\n".join(text.splitlines()[-lines:])


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.exit(
                f"server exited with code {proc.returncode} before answering /health; log:\n"
                + _tail(log, LOG_TAIL_LINES),
                returncode=3,
            )
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    proc.kill()
    pytest.exit(
        f"server did not answer GET /health within {STARTUP_TIMEOUT_S}s; log:\n"
        + _tail(log, LOG_TAIL_LINES),
        returncode=3,
    )


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """Start the tracking server under test and return its base URL."""
    global _server_log
    kind = target()
    external = os.environ.get("WEIR_CONFORMANCE_URL")
    if external:
        # A server someone started by hand (handy while debugging one test);
        # its log is wherever they sent it.
        yield external.rstrip("/")
        return
    tmp = tmp_path_factory.mktemp(f"{kind}-server")
    port = _free_port()
    log = tmp / "server.log"
    _server_log = log
    cmd, env = _server_command(kind, tmp, port)
    with open(log, "wb") as out:
        # A new session lets teardown kill the server and any workers it forks.
        proc = subprocess.Popen(
            cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url, log)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session", autouse=True)
def tracking_uri(server_url):
    """Point the fluent API and every new MlflowClient at the server."""
    import mlflow

    os.environ["MLFLOW_TRACKING_URI"] = server_url
    mlflow.set_tracking_uri(server_url)
    yield server_url


@pytest.fixture()
def client(tracking_uri):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri)


@pytest.fixture()
def exp_name(request):
    """A unique experiment name, so tests never see each other's data."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:60]
    return f"conf-{safe}-{uuid.uuid4().hex[:8]}"


@pytest.fixture()
def exp_id(client, exp_name):
    """A fresh active experiment for this test."""
    return client.create_experiment(exp_name)


@pytest.fixture(autouse=True)
def _no_active_run():
    """End any fluent run a failing test left open, so the next test starts clean."""
    yield
    import mlflow

    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _server_log is not None:
        report.sections.append(
            (f"server log (last {LOG_TAIL_LINES} lines of {_server_log})", _tail(_server_log, LOG_TAIL_LINES))
        )
    return report
