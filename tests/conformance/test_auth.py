"""MLflow's basic-auth app, through MLflow's own clients, on both servers.

The same scenario (users, passwords, grants and what each user may then do,
searches included) runs through ``AuthServiceClient``
(``mlflow.server.get_app_client("basic-auth", ...)``) and ``MlflowClient``
with ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``, against
``weir server --app-name basic-auth`` and ``mlflow server --app-name
basic-auth``, each started here on a fresh database. Every step's answer is
reduced to what a client can rely on (a value, or the HTTP status of the
error) and the two servers' answers must be equal, step by step.
"""

import os
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest
import requests
from mlflow.exceptions import MlflowException

from conftest import _free_port, _stop, _wait_healthy, _weir_binary

ADMIN, ADMIN_PASSWORD = "admin", "admin-password-1"


def _start(kind: str, tmp):
    """Start one server with basic auth on and return (process, url)."""
    port = _free_port()
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_USERNAME", None)
    env.pop("MLFLOW_TRACKING_PASSWORD", None)
    common = [
        "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", f"sqlite:///{tmp / (kind + '.db')}",
        "--artifacts-destination", str(tmp / f"{kind}-artifacts"),
        "--app-name", "basic-auth",
    ]
    if kind == "mlflow":
        ini = tmp / "basic_auth.ini"
        ini.write_text(
            "[mlflow]\n"
            "default_permission = READ\n"
            f"database_uri = sqlite:///{tmp / 'mlflow-auth.db'}\n"
            f"admin_username = {ADMIN}\n"
            f"admin_password = {ADMIN_PASSWORD}\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        )
        env["MLFLOW_AUTH_CONFIG_PATH"] = str(ini)
        env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = "conformance-secret"
        cmd = [sys.executable, "-m", "mlflow", "server", *common]
    else:
        env["WEIR_AUTH_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        cmd = [_weir_binary(tmp), "server", *common, "--auth-default-permission", "READ"]
    log = tmp / f"{kind}-auth.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(proc, url, log)
    return proc, url


@contextmanager
def as_user(name: str, password: str):
    """Make the clients send these credentials, as a user would export them."""
    old = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ["MLFLOW_TRACKING_USERNAME"] = name
    os.environ["MLFLOW_TRACKING_PASSWORD"] = password
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def outcome(fn):
    """Run one step: ("ok", value) or ("error", HTTP status)."""
    try:
        return ("ok", fn())
    except MlflowException as e:
        m = re.search(r"error code (\d{3})", str(e))
        return ("error", int(m.group(1)) if m else e.get_http_status_code())


def scenario(url: str) -> list:
    """The auth scenario; returns every step's name and outcome."""
    from mlflow import MlflowClient
    from mlflow.server import get_app_client

    auth = get_app_client("basic-auth", tracking_uri=url)
    client = MlflowClient(url)
    steps = []

    def step(name, fn):
        steps.append((name, outcome(fn)))
        return steps[-1][1]

    alice, bob = ("alice", "alice-password-1"), ("bob", "bob-password-01")
    with as_user(ADMIN, ADMIN_PASSWORD):
        step("create alice", lambda: (u := auth.create_user(*alice)) and (u.username, u.is_admin))
        step("create bob", lambda: (u := auth.create_user(*bob)) and (u.username, u.is_admin))
        step("create alice again", lambda: auth.create_user(*alice).username)
        step("create with a short password", lambda: auth.create_user("carol", "short").username)
        step("admin gets alice", lambda: auth.get_user("alice").username)
        step("admin gets nobody", lambda: auth.get_user("nobody").username)
    with as_user(*alice):
        exp = client.create_experiment("alice-exp")
        other = client.create_experiment("alice-private")
        run = client.create_run(exp).info.run_id
        client.create_registered_model("alice-model")
        step("alice gets bob", lambda: auth.get_user("bob").username)
        step("alice's permission on her experiment",
             lambda: (p := auth.get_user_permission("alice", "experiment", exp)) and (p.permission, p.allowed))
        step("alice's permission on her model",
             lambda: (p := auth.get_user_permission("alice", "registered_model", "alice-model")) and (p.permission, p.allowed))
    with as_user(*bob):
        step("bob reads alice's experiment (default READ)", lambda: client.get_experiment(exp).name)
        step("bob reads alice's run", lambda: client.get_run(run).info.run_id == run)
        step("bob tags alice's experiment", lambda: client.set_experiment_tag(exp, "k", "v"))
        step("bob logs to alice's run", lambda: client.log_metric(run, "m", 1.0))
        step("bob deletes alice's experiment", lambda: client.delete_experiment(exp))
        step("bob renames alice's model", lambda: client.rename_registered_model("alice-model", "bobs").name)
        step("bob grants himself MANAGE", lambda: auth.grant_user_permission("bob", "experiment", exp, "MANAGE"))
        step("bob reads alice's permission", lambda: auth.get_user_permission("alice", "experiment", exp).permission)
        step("bob's permission on alice's experiment",
             lambda: (p := auth.get_user_permission("bob", "experiment", exp)) and (p.permission, p.allowed))
    with as_user(*alice):
        step("alice grants bob EDIT", lambda: auth.grant_user_permission("bob", "experiment", exp, "EDIT"))
        step("alice grants bob EDIT again", lambda: auth.grant_user_permission("bob", "experiment", exp, "EDIT"))
        step("alice grants bob MANAGE on the model",
             lambda: auth.grant_user_permission("bob", "registered_model", "alice-model", "MANAGE"))
        step("alice grants with a bad permission", lambda: auth.grant_user_permission("bob", "experiment", other, "ALL"))
        step("alice grants to nobody", lambda: auth.grant_user_permission("nobody", "experiment", other, "READ"))
    with as_user(*bob):
        step("bob's permission after the grant",
             lambda: (p := auth.get_user_permission("bob", "experiment", exp)) and (p.permission, p.allowed))
        step("bob tags with EDIT", lambda: client.set_experiment_tag(exp, "k", "v"))
        step("bob logs with EDIT", lambda: client.log_metric(run, "m", 1.0))
        step("bob creates a run with EDIT", lambda: bool(client.create_run(exp).info.run_id))
        step("bob deletes with EDIT", lambda: client.delete_experiment(exp))
        step("bob updates the model with MANAGE",
             lambda: client.update_registered_model("alice-model", description="d").description)
        step("bob searches models", lambda: sorted(m.name for m in client.search_registered_models()))
    with as_user(*alice):
        step("alice hides her private experiment from bob",
             lambda: auth.grant_user_permission("bob", "experiment", other, "DENY"))
        step("alice grants NO_PERMISSIONS, which MLflow 3 refuses",
             lambda: auth.grant_user_permission("bob", "registered_model", "alice-model", "NO_PERMISSIONS"))
    with as_user(*bob):
        step("bob reads the hidden experiment", lambda: client.get_experiment(other).name)
        step("bob searches experiments with one hidden",
             lambda: sorted(e.name for e in client.search_experiments()))
        step("bob searches runs of both experiments",
             lambda: len(client.search_runs([exp, other])))
    with as_user(*alice):
        step("alice revokes bob", lambda: auth.revoke_user_permission("bob", "experiment", exp))
        step("alice revokes bob again", lambda: auth.revoke_user_permission("bob", "experiment", exp))
    with as_user(*bob):
        step("bob tags after the revoke", lambda: client.set_experiment_tag(exp, "k", "v2"))
        step("bob searches experiments",
             lambda: sorted(e.name for e in client.search_experiments()))
        step("bob changes alice's password", lambda: auth.update_user_password("alice", "hijacked-password"))
        step("bob makes himself admin", lambda: auth.update_user_admin("bob", True))
        step("bob deletes alice", lambda: auth.delete_user("alice"))
        step("bob changes his password without the current one",
             lambda: auth.update_user_password("bob", "bob-password-02"))
        step("bob changes his password",
             lambda: auth.update_user_password("bob", "bob-password-02", current_password=bob[1]))
    with as_user("bob", "bob-password-02"):
        step("bob with the new password", lambda: auth.get_user("bob").username)
    with as_user(*bob):
        step("bob with the old password", lambda: auth.get_user("bob").username)
    with as_user(ADMIN, ADMIN_PASSWORD):
        step("admin makes bob admin", lambda: auth.update_user_admin("bob", True))
        step("admin deletes himself", lambda: auth.delete_user(ADMIN))
        step("admin deletes bob", lambda: auth.delete_user("bob"))
        step("admin gets deleted bob", lambda: auth.get_user("bob").username)
        step("admin deletes alice's experiment", lambda: client.delete_experiment(exp))
    resp = requests.get(url + "/api/2.0/mlflow/experiments/search?max_results=1", timeout=10)
    steps.append(("no credentials", ("status", resp.status_code, resp.headers.get("WWW-Authenticate"))))
    resp = requests.get(url + "/api/2.0/mlflow/experiments/search?max_results=1", auth=("alice", "wrong"), timeout=10)
    steps.append(("wrong password", ("status", resp.status_code)))
    resp = requests.get(url + "/health", timeout=10)
    steps.append(("health without credentials", ("status", resp.status_code)))
    return steps


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Run the scenario on both servers."""
    try:
        import flask_wtf  # noqa: F401  (mlflow's basic-auth app needs it)
    except ImportError:
        pytest.skip("mlflow server --app-name basic-auth needs Flask-WTF: pip install 'mlflow[auth]'")
    out = {}
    for kind in ("mlflow", "weir"):
        tmp = tmp_path_factory.mktemp(f"{kind}-auth")
        proc, url = _start(kind, tmp)
        try:
            out[kind] = scenario(url)
        finally:
            _stop(proc)
    return out


def test_auth_scenario_matches_mlflow(answers):
    mlflow, weir = answers["mlflow"], answers["weir"]
    assert [name for name, _ in weir] == [name for name, _ in mlflow]
    diffs = [f"{name}: weir {w!r}, mlflow {m!r}" for (name, w), (_, m) in zip(weir, mlflow) if w != m]
    assert not diffs, "\n".join(diffs)
