"""A model only Python can score (an ``mlflow.pyfunc.PythonModel``), logged
with MLflow's own client to a ``weir server``, registered and aliased
``champion``, goes into a container image by both of Weir's routes:

- ``weir models generate-dockerfile`` writes a Dockerfile FROM the model's
  Python that pip-installs its requirements;
- ``weir models build-image`` refuses it without ``--base``, and with a base
  that ``docker save`` wrote (made here from this machine's Python by
  ``tests/docker/python_base.py`` and ``docker import``: nothing is pulled)
  builds an image whose container answers ``/invocations`` with the Python
  model's in-process predictions. That part needs the private dockerd of
  ``tests/docker/services.sh`` (``WEIR_TEST_DOCKER_HOST``) and is skipped
  without it.

``weir models serve`` on the same URI answers the same predictions through
Python workers of this interpreter.
"""

import json
import os
import subprocess
import sys
import time

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import requests

import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.models import infer_signature

from conftest import REPO_ROOT, free_port, start_server

ROWS = pd.DataFrame({"age": [25, 47, 62, 33], "job": ["student", "manager", "worker", "unknown"],
                     "balance": [100.5, 2500.0, -40.25, 0.0]})


class Scorecard(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        z = -0.031 * model_input["age"] + 0.00042 * model_input["balance"]
        z = z + model_input["job"].map({"student": 0.8, "manager": -0.35}).fillna(0.0)
        return (1.0 / (1.0 + np.exp(-z))).to_numpy()


# The model's class goes into the pickle itself, as for a model defined in a
# notebook, so that it loads where this test module is not importable (in
# the container).
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture()
def champion(weir_bin, tmp_path):
    server = start_server("weir", weir_bin, tmp_path)
    mlflow.set_tracking_uri(server.url)
    mlflow.set_experiment("pyfunc-image")
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="model", python_model=Scorecard(),
                                       signature=infer_signature(ROWS, Scorecard().predict(None, ROWS)),
                                       input_example=ROWS.head(2))
    mv = mlflow.register_model(info.model_uri, "scorecard")
    MlflowClient().set_registered_model_alias("scorecard", "champion", mv.version)
    want = mlflow.pyfunc.load_model("models:/scorecard@champion").predict(ROWS)
    yield server.url, mv.version, [float(v) for v in want]
    server.stop()


def weir(weir_bin, *args, env=None):
    return subprocess.run([weir_bin, *args], capture_output=True, text=True, env=env, timeout=600)


def post(url):
    body = {"dataframe_split": {"columns": list(ROWS.columns), "data": ROWS.values.tolist()}}
    r = requests.post(url + "/invocations", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["predictions"]


def wait_ping(url, proc=None, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited before answering {url}")
        try:
            if requests.get(url + "/ping", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {limit}s")


def test_serve_through_python(weir_bin, champion, tmp_path):
    url, _, want = champion
    port = free_port()
    env = dict(os.environ, WEIR_PYTHON=sys.executable)
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen([weir_bin, "models", "serve", "-m", "models:/scorecard@champion", "--tracking-uri", url,
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_ping(f"http://127.0.0.1:{port}", proc)
            assert post(f"http://127.0.0.1:{port}") == pytest.approx(want, rel=1e-15, abs=0)
        finally:
            proc.terminate()
            proc.wait(30)


def test_generate_dockerfile(weir_bin, champion, tmp_path):
    url, version, _ = champion
    ctx = tmp_path / "ctx"
    r = weir(weir_bin, "models", "generate-dockerfile", "-m", "models:/scorecard@champion", "--tracking-uri", url,
             "-d", str(ctx), "--weir-binary", weir_bin)
    assert r.returncode == 0, r.stderr
    text = (ctx / "Dockerfile").read_text()
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"FROM python:{py}-slim\n" in text
    assert "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/weir-requirements.txt" in text
    assert 'LABEL "ml.weir.model.name"="scorecard"' in text
    assert f'LABEL "ml.weir.model.version"="{version}"' in text
    assert '"--env-manager", "local"]' in text
    reqs = (ctx / "model" / "requirements.txt").read_text()
    assert f"mlflow=={mlflow.__version__}" in reqs


def test_build_image_needs_a_base(weir_bin, champion, tmp_path):
    url, _, _ = champion
    r = weir(weir_bin, "models", "build-image", "-m", "models:/scorecard@champion", "--tracking-uri", url,
             "-t", "scorecard:1", "--tar", str(tmp_path / "x.tar"), "--weir-binary", weir_bin)
    assert r.returncode != 0
    assert "pass --base" in r.stderr and "generate-dockerfile" in r.stderr, r.stderr
    assert not (tmp_path / "x.tar").exists()


def docker(*args):
    env = dict(os.environ, DOCKER_HOST=os.environ["WEIR_TEST_DOCKER_HOST"], DOCKER_BUILDKIT="0")
    r = subprocess.run(["docker", *args], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, f"docker {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout.strip()


def test_build_image_on_a_docker_save_base(weir_bin, champion, tmp_path):
    if not os.environ.get("WEIR_TEST_DOCKER_HOST"):
        pytest.skip("WEIR_TEST_DOCKER_HOST is unset: start a daemon with tests/docker/dockerd.sh start DIR")
    url, _, want = champion
    model = tmp_path / "model"
    mlflow.artifacts.download_artifacts("models:/scorecard@champion", dst_path=str(model))
    rootfs = tmp_path / "rootfs.tar"
    made = subprocess.run([sys.executable, str(REPO_ROOT / "tests/docker/python_base.py"), str(model), str(rootfs)],
                          capture_output=True, text=True, check=True)
    path = json.loads(made.stdout)["path"]
    tag = f"weir-e2e/pybase:{time.time_ns()}"
    image = f"weir-e2e/scorecard:{time.time_ns()}"
    container = None
    try:
        docker("import", "--change", f"ENV PATH={path}", str(rootfs), tag)
        rootfs.unlink()
        docker("save", "-o", str(tmp_path / "base.tar"), tag)
        r = weir(weir_bin, "models", "build-image", "-m", "models:/scorecard@champion", "--tracking-uri", url,
                 "-t", image, "--base", str(tmp_path / "base.tar"), "--tar", str(tmp_path / "image.tar"),
                 "--weir-binary", weir_bin)
        assert r.returncode == 0, r.stderr
        assert "in the base, mlflow " + mlflow.__version__ in r.stderr
        (tmp_path / "base.tar").unlink()
        docker("load", "-i", str(tmp_path / "image.tar"))
        (tmp_path / "image.tar").unlink()  # pytest keeps its last runs' files: leave no 100 MB behind
        port = free_port()
        container = docker("run", "-d", "-p", f"127.0.0.1:{port}:8080", image)
        try:
            wait_ping(f"http://127.0.0.1:{port}")
        except RuntimeError:
            print(docker("logs", container))
            raise
        assert post(f"http://127.0.0.1:{port}") == pytest.approx(want, rel=1e-15, abs=0)
    finally:
        env = dict(os.environ, DOCKER_HOST=os.environ["WEIR_TEST_DOCKER_HOST"])
        if container:
            subprocess.run(["docker", "rm", "-f", container], env=env, capture_output=True)
        subprocess.run(["docker", "image", "rm", "-f", image, tag], env=env, capture_output=True)
