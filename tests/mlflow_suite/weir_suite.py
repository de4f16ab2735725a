"""A pytest plugin that runs MLflow's own live-server tests against a server of our choosing.

MLflow's tests in ``tests/tracking/test_rest_tracking.py``, ``test_model_registry.py``,
``test_mlflow_artifacts.py``, ``test_client_webhooks.py`` and ``tests/webhooks/test_e2e.py`` start their servers in
three ways: an in-process ``ServerThread`` after ``handlers.initialize_backend_stores``,
``integration_test_utils._init_server``, and ``subprocess.Popen`` of ``mlflow server``.
This plugin (loaded with ``-p weir_suite``) replaces all three with a fresh server process:

* ``WEIR_SUITE_TARGET=weir``: ``weir server`` (``$WEIR_BIN``), with the flags translated;
* ``WEIR_SUITE_TARGET=mlflow``: ``python -m mlflow server`` from the running interpreter.

So both targets go through the same launch code and the same tests; only the binary
differs. Weir keeps its own schema, so an SQLite backend the test prepared with MLflow's
schema is given to Weir as a fresh file beside it.

Tests of the AI gateway and of the issues API are out of scope (see OUT_OF_SCOPE); tests
that never start a server (they call MLflow's handlers in-process) are reported as not
applicable. ``WEIR_SUITE_RESULTS`` names a JSON file that receives one record per test.
"""

import atexit
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TARGETS = ("weir", "mlflow")
STARTUP_TIMEOUT_S = 120

# (test name pattern, kind, reason), matched against the test function name. "out of
# scope" is a feature Weir leaves for later; "not applicable" is a test no server other
# than MLflow's own could pass, whatever it implements.
OUT_OF_SCOPE = [
    (r"^test_gateway_|secrets_config|_secret|_endpoint($|_|s)|model_definition|^test_list_providers$"
     r"|^test_list_models$|^test_get_provider_config$|^test_online_scoring_config$",
     "out of scope", "AI gateway (secrets, endpoints, model definitions, providers): a later issue"),
    (r"_issues?(_|$)", "out of scope", "issues API: a later issue"),
    (r"^test_mlflow_artifacts_example$", "not applicable", "builds Docker images from MLflow's examples/ directory"),
    # The tests' autouse tracking_uri_mock fixture points the fluent API at the server's
    # SQLite file, so `mlflow experiments create` writes there through MLflow's own store
    # and the test then reads it back through the server: only a server on MLflow's
    # schema can pass.
    (r"^test_(delete_restore|rename)_experiment_cli$", "not applicable",
     "MLflow's CLI writes to the server's database file directly, bypassing the server"),
    # The same fixture makes mlflow.genai.datasets' fluent calls (create, add to and remove
    # from experiments) write the test's SQLite file through MLflow's own store, and a
    # dataset the client returns reads its experiment_ids lazily from that store too (the
    # add/remove answers carry none, on mlflow server as on Weir). The tests then check
    # those against experiments created through the server: only a server on MLflow's
    # schema and file can agree. tests/conformance/test_datasets.py makes the same calls
    # with the tracking URI at the server, on both targets.
    (r"^test_(add_dataset_to|remove_dataset_from)_experiments_rest_tracking$"
     r"|^test_add_multiple_experiments_at_once_rest_tracking$|^test_idempotent_(add|remove)_experiments_rest_tracking$"
     r"|^test_dataset_experiment_association_error_cases_rest_tracking$"
     r"|^test_client_api_add_remove_experiments_rest_tracking$",
     "not applicable",
     "MLflow's fluent dataset API reads and writes the server's database file directly, bypassing the server"),
    # MlflowClient(backend_store_uri) registers the model version through MLflow's own
    # store in the server's SQLite file, with a source ("mlflow-artifacts:" and run id 1)
    # that mlflow server itself refuses over REST. httpapi's
    # TestModelVersionArtifactProxiedRoots covers the download through the server.
    (r"^test_rest_get_model_version_artifact_api_proxied_artifact_root$", "not applicable",
     "registers the model version through MLflow's store in the server's database file, bypassing the server"),
]
# A test that uses the gateway's fixture is a gateway test whatever its name.
OUT_OF_SCOPE_FIXTURES = {
    "mlflow_client_with_secrets": (
        "out of scope", "AI gateway (secrets, endpoints, model definitions, providers): a later issue"),
}
# Fixtures that start (or stand for) a live server.
SERVER_FIXTURES = {"mlflow_client", "client", "artifacts_server", "mlflow_server", "cli_env"}


def target() -> str:
    """Return the server kind under test, failing loudly on a typo."""
    value = os.environ.get("WEIR_SUITE_TARGET", "weir").strip().lower()
    if value not in TARGETS:
        raise pytest.UsageError(f"WEIR_SUITE_TARGET={value!r}: expected one of {', '.join(TARGETS)}")
    return value


# --- server launch ---------------------------------------------------------------------

_real_popen = subprocess.Popen
_log_dir_cache = []


def _log_dir() -> Path:
    """Return where server logs go: $WEIR_SUITE_LOGS, else a temporary directory made once."""
    if not _log_dir_cache:
        path = Path(os.environ.get("WEIR_SUITE_LOGS") or tempfile.mkdtemp(prefix="weir-suite-logs-"))
        path.mkdir(parents=True, exist_ok=True)
        _log_dir_cache.append(path)
    return _log_dir_cache[0]
# What the running session has seen: the last backend and artifact root MLflow's fixtures
# configured, whether the current test started a server, and every server log so far.
_state = {"backend": None, "root": None, "launched": False, "logs": [], "first_log": 0}
# The pytest config (for per-test records) and the session's start time.
_CONFIG = {}


def _wait_health(url: str, proc, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering {url}/health")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer /health within {timeout:.0f}s")


def _weir_backend(uri: str, scratch: Path) -> str:
    """Give Weir a fresh SQLite file beside the one MLflow prepared (its schema is MLflow's)."""
    m = re.match(r"^sqlite:///(.+)$", uri or "")
    if not m:
        return uri or f"sqlite:///{scratch / 'weir.db'}"
    path = Path(m.group(1))
    return f"sqlite:///{path.with_name(path.stem + '.weir.db')}"


def _parse_mlflow_server_args(args: list[str]) -> dict:
    """Read the `mlflow server` flags the tests pass, in both `--x y` and `--x=y` forms."""
    opts = {}
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("--"):
            i += 1
            continue
        if "=" in a:
            k, v = a[2:].split("=", 1)
            opts[k] = v
            i += 1
        elif a in ("--serve-artifacts", "--no-serve-artifacts", "--artifacts-only", "--dev"):
            opts[a[2:]] = True
            i += 1
        else:
            opts[a[2:]] = args[i + 1] if i + 1 < len(args) else ""
            i += 2
    return opts


def _server_command(opts: dict, env: dict, scratch: Path) -> list[str]:
    """Build the command line of the target server from mlflow-server style options."""
    host = opts.get("host", "127.0.0.1")
    port = str(opts["port"])
    if target() == "mlflow":
        cmd = [sys.executable, "-m", "mlflow", "server", "--host", host, "--port", port, "--workers", "1"]
        for k in ("backend-store-uri", "default-artifact-root", "artifacts-destination"):
            if opts.get(k):
                cmd += [f"--{k}", opts[k]]
        if opts.get("no-serve-artifacts"):
            cmd.append("--no-serve-artifacts")
        return cmd
    weir = os.environ.get("WEIR_BIN") or "weir"
    cmd = [weir, "server", "--host", host, "--port", port,
           "--backend-store-uri", _weir_backend(opts.get("backend-store-uri"), scratch)]
    if opts.get("default-artifact-root"):
        cmd += ["--default-artifact-root", opts["default-artifact-root"]]
    dest = opts.get("artifacts-destination") or str(scratch / "artifacts")
    cmd += ["--artifacts-destination", re.sub(r"^file://", "", dest)]
    if opts.get("no-serve-artifacts"):
        cmd.append("--no-serve-artifacts")
    if str(env.get("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "")).lower() == "true":
        cmd.append("--webhook-allow-private-networks")
    return cmd


class ServerProcess:
    """A target server in its own process group, with its output in a log file."""

    def __init__(self, opts: dict, env: dict | None = None, cwd=None):
        self.env = {**os.environ, **(env or {})}
        self.env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
        self.scratch = Path(tempfile.mkdtemp(prefix="weir-suite-"))
        self.cmd = _server_command(opts, self.env, self.scratch)
        self.url = f"http://{opts.get('host', '127.0.0.1')}:{opts['port']}"
        n = len(_state["logs"])
        self.log_path = _log_dir() / f"server-{os.getpid()}-{n}.log"
        # In-process servers and `mlflow server` children run in the test's working
        # directory, which is where MLflow resolves a relative artifact location.
        self.cwd = cwd
        self.proc = None

    def open_log(self):
        """Record the launch for the running test and open its log, headed by the command."""
        _state["launched"] = True
        _state["logs"].append(str(self.log_path))
        log = open(self.log_path, "wb")
        log.write(("$ " + shlex.join(self.cmd) + "\n").encode())
        log.flush()
        return log

    def start(self):
        with self.open_log() as log:
            self.proc = _real_popen(self.cmd, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            _wait_health(self.url, self.proc)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


class ServerThread:
    """Stands in for integration_test_utils.ServerThread: a server process, not a thread.

    The backend and artifact root come from the last initialize_backend_stores call, which
    is how MLflow's fixtures configure the in-process app. As in-process, artifacts are not
    proxied (MLflow's app serves them only when MLFLOW_SERVE_ARTIFACTS is set).
    """

    def __init__(self, app=None, port=None):
        self.opts = {"port": port or _free_port(), "backend-store-uri": _state["backend"],
                     "default-artifact-root": _state["root"], "no-serve-artifacts": True}
        self.server = None
        self.url = f"http://127.0.0.1:{self.opts['port']}"

    def __enter__(self):
        self.server = ServerProcess(self.opts).start()
        return self.server.url

    def __exit__(self, *exc):
        self.server.stop()
        return None

    # MLflow's class is a Thread; some callers use start/shutdown directly.
    def start(self):
        self.__enter__()

    def shutdown(self):
        self.__exit__()

    def join(self, timeout=None):
        pass


class _InitServer:
    """Stands in for integration_test_utils._init_server (a context manager yielding a URL)."""

    def __init__(self, backend_uri, root_artifact_uri, extra_env=None, app=None, server_type="fastapi"):
        self.server = ServerProcess({"port": _free_port(), "backend-store-uri": backend_uri,
                                     "default-artifact-root": root_artifact_uri, "no-serve-artifacts": True},
                                    env={k: str(v) for k, v in (extra_env or {}).items()})

    def __enter__(self):
        return self.server.start().url

    def __exit__(self, *exc):
        self.server.stop()
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mlflow_server_args(args) -> list[str] | None:
    """Return the arguments after `server` when args launch `mlflow server`, else None."""
    if isinstance(args, (str, bytes)) or not args:
        return None
    args = [str(a) for a in args]
    if os.path.basename(args[0]) == "mlflow" and len(args) > 1 and args[1] == "server":
        return args[2:]
    if len(args) > 3 and args[1:4] == ["-m", "mlflow", "server"]:
        return args[4:]
    return None


class _Popen(_real_popen):
    """subprocess.Popen that starts the target server when asked for `mlflow server`."""

    def __init__(self, args, *a, **kw):
        rest = _mlflow_server_args(args)
        if rest is not None:
            opts = _parse_mlflow_server_args(rest)
            opts.setdefault("port", "5000")
            # The test owns this process (it waits for it and kills it), so only the
            # command line, environment and output change.
            sp = ServerProcess(opts, env=kw.get("env"), cwd=kw.get("cwd"))
            atexit.register(shutil.rmtree, sp.scratch, True)
            with sp.open_log() as log:
                kw.update(env=sp.env, stdout=log, stderr=subprocess.STDOUT)
                super().__init__(sp.cmd, *a, **kw)
            return
        super().__init__(args, *a, **kw)


def _patch_launchers(modules) -> None:
    for mod in modules:
        if mod is None:
            continue
        if hasattr(mod, "ServerThread"):
            mod.ServerThread = ServerThread
        if hasattr(mod, "_init_server"):
            mod._init_server = _InitServer


# --- pytest hooks ----------------------------------------------------------------------

def pytest_configure(config):
    target()
    from mlflow.server import handlers

    real_init = handlers.initialize_backend_stores

    def initialize_backend_stores(backend_store_uri=None, registry_store_uri=None,
                                  default_artifact_root=None, *a, **kw):
        _state["backend"] = backend_store_uri
        _state["root"] = default_artifact_root
        return real_init(backend_store_uri, registry_store_uri, default_artifact_root, *a, **kw)

    handlers.initialize_backend_stores = initialize_backend_stores
    subprocess.Popen = _Popen
    config._weir_records = {}


def pytest_report_header(config):
    return f"weir_suite target: {target()}, server logs: {_log_dir()}"


def _out_of_scope(item) -> str | None:
    name = getattr(item, "originalname", None) or item.name
    for pattern, kind, reason in OUT_OF_SCOPE:
        if re.search(pattern, name):
            return f"{kind}: {reason}"
    for fixture, (kind, reason) in OUT_OF_SCOPE_FIXTURES.items():
        if fixture in getattr(item, "fixturenames", ()):
            return f"{kind}: {reason}"
    return None


def pytest_collection_modifyitems(session, config, items):
    mods = {id(getattr(i, "module", None)): getattr(i, "module", None) for i in items}
    _patch_launchers(list(mods.values()) + [sys.modules.get("tests.tracking.integration_test_utils")])
    from mlflow.server import handlers

    for mod in mods.values():
        if mod is not None and hasattr(mod, "initialize_backend_stores"):
            mod.initialize_backend_stores = handlers.initialize_backend_stores
    for item in items:
        reason = _out_of_scope(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _state["launched"] = False
    _state["first_log"] = len(_state["logs"])


def _message(report) -> str:
    lr = report.longrepr
    if lr is None:
        return ""
    if isinstance(lr, tuple):
        return str(lr[2])
    crash = getattr(getattr(lr, "reprcrash", None), "message", None)
    return crash if crash is not None else str(lr)[-2000:]


def pytest_runtest_logreport(report):
    config = _CONFIG.get("config")
    if config is None:
        return
    rec = config._weir_records.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.when == "setup":
        rec["server"] = False
    if report.when == "teardown" and report.outcome == "failed" and rec["outcome"] == "passed":
        # Errors while tearing down (a server that would not stop) count against the test.
        rec["outcome"], rec["message"] = "error", _message(report)
    elif report.outcome == "skipped" and report.when in ("setup", "call"):
        rec["outcome"], rec["message"] = "skipped", _message(report)
    elif report.outcome == "failed" and report.when in ("setup", "call"):
        rec["outcome"] = "failed" if report.when == "call" else "error"
        rec["message"] = _message(report)
    if _state["launched"]:
        rec["server"] = True
    if report.when == "teardown":
        logs = _state["logs"][_state.get("first_log", 0):]
        if rec["outcome"] in ("failed", "error") and logs:
            rec["logs"] = logs


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG["config"] = session.config
    _CONFIG["start"] = time.monotonic()


def pytest_runtest_makereport(item, call):
    # A test counts as a server test when it asked for a server fixture, even when the
    # server was started once for its module.
    if call.when == "setup" and SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
        _state["launched"] = True


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("WEIR_SUITE_RESULTS")
    if not path:
        return
    records = session.config._weir_records
    out = {}
    for nodeid, rec in sorted(records.items()):
        r = {"outcome": rec["outcome"]}
        if rec["outcome"] != "passed" and rec["message"]:
            r["message"] = rec["message"][:1500]
        if rec.get("logs"):
            r["logs"] = rec["logs"]
        r["server"] = bool(rec.get("server"))
        out[nodeid] = r
    import mlflow

    summary = {
        "target": target(),
        "mlflow_version": mlflow.__version__,
        "tests_rev": os.environ.get("MLFLOW_TESTS_REV", ""),
        "wall_seconds": round(time.monotonic() - _CONFIG.get("start", time.monotonic())),
        "tests": out,
    }
    Path(path).write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
