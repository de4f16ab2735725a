"""Helpers shared by the conformance tests: error checks and raw REST calls.

Raw REST calls exist because the official client validates many inputs
itself (types, batch sizes, view types); to see what the *server* does with
bad input we must send it without the client in the way.
"""

import os
from contextlib import contextmanager

import pytest
import requests
from mlflow.exceptions import MlflowException

API = "/api/2.0/mlflow/"
ARTIFACT_STORES = ("local", "s3")


def artifact_store() -> str:
    """Return where the server under test keeps artifacts: "local" or "s3" (WEIR_CONFORMANCE_ARTIFACTS)."""
    value = os.environ.get("WEIR_CONFORMANCE_ARTIFACTS", "local").strip().lower()
    if value not in ARTIFACT_STORES:
        raise pytest.UsageError(
            f"WEIR_CONFORMANCE_ARTIFACTS={value!r}: expected one of {', '.join(ARTIFACT_STORES)}"
        )
    return value


@contextmanager
def raises_code(*codes: str):
    """Expect the block to raise MlflowException carrying one of MLflow's error codes.

    More than one code is allowed only where MLflow's own answer is an accident
    of its implementation (say, a raw SQL error surfacing as BAD_REQUEST) and a
    cleaner code is just as good for a client.
    """
    with pytest.raises(MlflowException) as info:
        yield info
    got = info.value.error_code
    assert got in codes, f"error_code: got {got}, want {' or '.join(codes)}; message: {info.value.message}"


def base_url() -> str:
    return os.environ["MLFLOW_TRACKING_URI"].rstrip("/")


def rest(method: str, path: str, body=None, params=None, **kw) -> requests.Response:
    """Send one request to `/api/2.0/mlflow/<path>` (or an absolute path starting with /)."""
    url = base_url() + (path if path.startswith("/") else API + path)
    kw.setdefault("timeout", 60)
    if body is not None:
        kw["json"] = body
    return requests.request(method, url, params=params, **kw)


def assert_rest_ok(resp: requests.Response) -> dict:
    """Check a 200 JSON reply and return its body."""
    assert resp.status_code == 200, f"status: got {resp.status_code}, want 200; body: {resp.text[:500]}"
    return resp.json()


def assert_rest_error(resp: requests.Response, status: int, code: str) -> dict:
    """Check MLflow's error shape: the HTTP status and a JSON body with error_code and message."""
    assert resp.status_code == status, (
        f"status: got {resp.status_code}, want {status}; body: {resp.text[:500]}"
    )
    try:
        body = resp.json()
    except ValueError:
        pytest.fail(f"error body is not JSON: {resp.text[:500]!r}")
    assert body.get("error_code") == code, f"error_code: got {body.get('error_code')}, want {code}; body: {body}"
    assert isinstance(body.get("message"), str) and body["message"], f"error message missing: {body}"
    return body
