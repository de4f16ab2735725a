"""Artifacts through the server's proxy (mlflow-artifacts:/): upload, list, download.

Every test here is marked `artifacts` so CI can report the artifact proxy
separately (`-m artifacts` / `-m "not artifacts"`).
"""

import json

import mlflow
import pytest

from support import assert_rest_error, assert_rest_ok, rest

pytestmark = pytest.mark.artifacts


@pytest.fixture()
def run_id(exp_name):
    mlflow.set_experiment(exp_name)
    with mlflow.start_run() as run:
        pass
    return run.info.run_id


def _listing(client, run_id, path=None):
    return sorted((f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id, path))


def test_run_artifact_uri_is_proxied(client, run_id):
    run = client.get_run(run_id)
    assert run.info.artifact_uri == f"mlflow-artifacts:/{run.info.experiment_id}/{run_id}/artifacts"


def test_log_text_list_and_download(client, run_id, tmp_path):
    text = "hello, weir\nsecond line: ünïcode\n"
    with mlflow.start_run(run_id=run_id):
        mlflow.log_text(text, "notes/readme.txt")
        mlflow.log_dict({"a": 1, "b": [1, 2]}, "config.json")
    size = len(text.encode("utf-8"))
    config_size = len(json.dumps({"a": 1, "b": [1, 2]}, indent=2).encode())

    root = _listing(client, run_id)
    assert [(p, d) for p, d, _ in root] == [("config.json", False), ("notes", True)]
    assert root[0][2] == config_size
    assert _listing(client, run_id, "notes") == [("notes/readme.txt", False, size)]

    local = client.download_artifacts(run_id, "notes/readme.txt", str(tmp_path))
    assert open(local, encoding="utf-8").read() == text
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json") == {"a": 1, "b": [1, 2]}
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt") == text


def test_log_artifact_binary_round_trip(client, run_id, tmp_path):
    payload = bytes(range(256)) * 1024
    src = tmp_path / "blob.bin"
    src.write_bytes(payload)
    client.log_artifact(run_id, str(src), artifact_path="data/raw")
    assert _listing(client, run_id, "data/raw") == [("data/raw/blob.bin", False, len(payload))]
    out = tmp_path / "out"
    out.mkdir()
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="data/raw/blob.bin", dst_path=str(out))
    assert open(local, "rb").read() == payload


def test_log_artifacts_directory_tree(client, run_id, tmp_path):
    tree = {"a.txt": "A", "sub/b.txt": "BB", "sub/deeper/c.txt": "CCC"}
    src = tmp_path / "tree"
    for rel, content in tree.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(content)
    client.log_artifacts(run_id, str(src), artifact_path="tree")

    assert _listing(client, run_id, "tree") == [("tree/a.txt", False, 1), ("tree/sub", True, None)]
    assert _listing(client, run_id, "tree/sub") == [("tree/sub/b.txt", False, 2), ("tree/sub/deeper", True, None)]

    out = tmp_path / "out"
    out.mkdir()
    local = client.download_artifacts(run_id, "tree", str(out))
    for rel, content in tree.items():
        assert (out / "tree" / rel).read_text() == content
    assert local.rstrip("/").endswith("tree")


def test_list_missing_path_is_empty(client, run_id):
    assert client.list_artifacts(run_id, "nothing/here") == []


def test_list_empty_run(client, run_id):
    assert client.list_artifacts(run_id) == []


def test_list_artifacts_rest(client, run_id):
    with mlflow.start_run(run_id=run_id):
        mlflow.log_text("x", "dir/file.txt")
    body = assert_rest_ok(rest("GET", "artifacts/list", params={"run_id": run_id}))
    assert body["root_uri"] == client.get_run(run_id).info.artifact_uri
    assert body["files"] == [{"path": "dir", "is_dir": True}]
    body = assert_rest_ok(rest("GET", "artifacts/list", params={"run_id": run_id, "path": "dir"}))
    assert body["files"] == [{"path": "dir/file.txt", "is_dir": False, "file_size": 1}]


@pytest.mark.parametrize("path", ["../other", "dir/../../x", "/etc"])
def test_list_artifacts_rejects_traversal(run_id, path):
    resp = rest("GET", "artifacts/list", params={"run_id": run_id, "path": path})
    assert_rest_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_list_artifacts_unknown_run():
    resp = rest("GET", "artifacts/list", params={"run_id": "0123456789abcdef0123456789abcdef"})
    assert_rest_error(resp, 404, "RESOURCE_DOES_NOT_EXIST")


def test_proxy_put_get_list_delete(client, run_id):
    exp_id = client.get_run(run_id).info.experiment_id
    base = f"/api/2.0/mlflow-artifacts/artifacts/{exp_id}/{run_id}/artifacts"
    # MLflow answers an upload with 200 and an empty body.
    assert rest("PUT", base + "/raw/hello.txt", data=b"hi there").status_code == 200
    got = rest("GET", base + "/raw/hello.txt")
    assert (got.status_code, got.content) == (200, b"hi there")
    listing = assert_rest_ok(
        rest("GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{exp_id}/{run_id}/artifacts/raw"})
    )
    assert listing["files"] == [{"path": "hello.txt", "is_dir": False, "file_size": 8}]
    assert_rest_ok(rest("DELETE", base + "/raw/hello.txt"))
    assert client.list_artifacts(run_id, "raw") == []


def test_proxy_get_missing_file_is_404(client, run_id):
    exp_id = client.get_run(run_id).info.experiment_id
    resp = rest("GET", f"/api/2.0/mlflow-artifacts/artifacts/{exp_id}/{run_id}/artifacts/missing.txt")
    assert resp.status_code == 404
