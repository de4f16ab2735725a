"""Fixtures for the end-to-end demo test.

The test runs ``weir demo`` on the bank-marketing data and reads back what it
logged with the official ``mlflow`` client. The weir binary comes from
``$WEIR_BIN`` or is built with ``go build ./cmd/weir``; the data from
``$WEIR_BANK_DATA`` or ``../shared/data/bank-marketing/bank-full.csv`` relative
to the repository root (the test is skipped, saying so, when it is absent).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
# A cold `mlflow server` on a busy two-core machine can take a minute.
STARTUP_TIMEOUT_S = 240


@pytest.fixture(scope="session")
def bank_data() -> Path:
    p = Path(os.environ.get("WEIR_BANK_DATA") or REPO_ROOT.parent / "shared/data/bank-marketing/bank-full.csv")
    if not p.is_file():
        pytest.skip(f"bank-marketing data not found at {p} (set WEIR_BANK_DATA)")
    return p


@pytest.fixture(scope="session")
def weir_bin(tmp_path_factory) -> str:
    explicit = os.environ.get("WEIR_BIN")
    if explicit:
        return explicit
    go = shutil.which("go")
    if go is None:
        pytest.exit("the e2e test needs `go` on PATH or WEIR_BIN set", returncode=3)
    out = tmp_path_factory.mktemp("bin") / "weir"
    # Static, so that the demo can put this very binary into the image.
    env = dict(os.environ, CGO_ENABLED="0")
    build = subprocess.run([go, "build", "-o", str(out), "./cmd/weir"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if build.returncode != 0:
        pytest.exit(f"go build ./cmd/weir failed:\n{build.stdout}{build.stderr}", returncode=3)
    return str(out)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A tracking server this test started, stopped by stop()."""

    def __init__(self, cmd: list[str], port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + STARTUP_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited: {log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server did not answer within {STARTUP_TIMEOUT_S}s: {log.read_text()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def start_server(kind: str, weir_bin: str, store_dir: Path) -> Server:
    """Start a weir or mlflow tracking server keeping its data in store_dir."""
    port = free_port()
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    store = ["--backend-store-uri", f"sqlite:///{store_dir / 'weir.db'}", "--artifacts-destination", str(store_dir / "weir-artifacts")]
    if kind == "mlflow":
        cmd = [sys.executable, "-m", "mlflow", "server", *listen, *store, "--workers", "1"]
    else:
        cmd = [weir_bin, "server", *listen, *store]
    return Server(cmd, port, store_dir / f"{kind}-server.log")
