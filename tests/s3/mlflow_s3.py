"""Drives a Weir server whose artifacts live in S3 with MLflow's client:
a large file goes up in presigned parts and comes back in presigned ranges,
small files go through the proxy. Prints OK at the end.

Run by e2e_test.go, which sets MLFLOW_TRACKING_URI and the multipart
variables.
"""

import hashlib
import os
import tempfile

import mlflow
from mlflow.tracking import MlflowClient


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    size = int(os.environ["WEIR_E2E_BIG_SIZE"])
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "weights.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(size))
        small = os.path.join(tmp, "notes.txt")
        with open(small, "w") as f:
            f.write("hello from the python client\n")

        mlflow.set_experiment("s3-e2e")
        with mlflow.start_run() as run:
            mlflow.log_artifact(big, "model")
            mlflow.log_artifact(small)
        client = MlflowClient()
        root = [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id)]
        assert root == [("model", True, None), ("notes.txt", False, 29)], root
        inner = [(f.path, f.file_size) for f in client.list_artifacts(run.info.run_id, "model")]
        assert inner == [("model/weights.bin", size)], inner

        out = os.path.join(tmp, "out")
        os.makedirs(out)
        local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=out)
        got = os.path.join(local, "model", "weights.bin")
        assert digest(got) == digest(big), "large file differs after the round trip"
        with open(os.path.join(local, "notes.txt")) as f:
            assert f.read() == "hello from the python client\n"

        client.delete_run(run.info.run_id)
    print("OK")


if __name__ == "__main__":
    main()
