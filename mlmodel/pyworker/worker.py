"""Weir's Python worker: loads one MLflow model and scores batches for Weir.

Started as `python -c BOOTSTRAP MODEL_DIR COLUMNS_JSON`, the bootstrap running
this script from the environment variable WEIR_PYWORKER_SCRIPT. It speaks
length-prefixed frames on the stdout it inherited (4-byte big-endian length,
then the payload), reading requests from stdin:

  request:  a JSON array with one array of values per input column, in the
            order of COLUMNS_JSON ([{"name": ..., "type": ...}, ...])
  answer:   b"P" + uint32 row count + per row (uint32 length + JSON bytes)
            b"E" + JSON {"error_code": ..., "message": ...}
  at start: b"R" + JSON {"python": ..., "mlflow": ...} once the model has
            loaded, or b"F" + JSON {"message": ...} when it could not load.

The model's own prints go to stderr, so they cannot corrupt the frames.
The worker exits when stdin closes.
"""
import json
import os
import struct
import sys
import traceback

MAX_FRAME = 1 << 30


def main():
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # print() in the model now writes to stderr
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(0), "rb", buffering=0)

    def send(kind, payload):
        out.write(struct.pack(">I", len(payload) + 1) + kind + payload)

    model_dir, columns = sys.argv[1], json.loads(sys.argv[2])
    try:
        import mlflow
        import mlflow.pyfunc
        import pandas as pd
    except ImportError as e:
        send(b"F", json.dumps({"message": "mlflow is not importable by %s: %s" % (sys.executable, e)}).encode())
        return 1
    try:
        model = mlflow.pyfunc.load_model(model_dir)
    except Exception as e:
        traceback.print_exc()
        send(b"F", json.dumps({"message": "mlflow.pyfunc.load_model failed: %s: %s" % (type(e).__name__, e)}).encode())
        return 1
    try:
        from mlflow.utils.proto_json_utils import NumpyEncoder, _get_jsonable_obj
        from mlflow.utils.proto_json_utils import cast_df_types_according_to_schema
    except ImportError:  # an mlflow without them: plain JSON
        NumpyEncoder, _get_jsonable_obj, cast_df_types_according_to_schema = None, None, None
    schema = model.metadata.get_input_schema()
    score = score_fn(model, schema, columns, pd, NumpyEncoder, _get_jsonable_obj, cast_df_types_according_to_schema)
    send(b"R", json.dumps({"python": sys.version.split()[0], "mlflow": mlflow.__version__}).encode())

    def read_exact(n):
        buf = bytearray()
        while len(buf) < n:
            chunk = inp.read(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    while True:
        head = read_exact(4)
        if head is None:
            return 0
        (n,) = struct.unpack(">I", head)
        if n > MAX_FRAME:
            print("weir worker: request frame of %d bytes is too large" % n, file=sys.stderr)
            return 1
        body = read_exact(n)
        if body is None:
            return 0
        try:
            rows = score(body)
        except Exception as e:
            code = getattr(e, "error_code", None) or "BAD_REQUEST"
            msg = getattr(e, "message", None) or str(e)
            if not isinstance(e, mlflow.exceptions.MlflowException):
                traceback.print_exc()
                msg = "%s: %s" % (type(e).__name__, msg)
            send(b"E", json.dumps({"error_code": str(code), "message": str(msg)}).encode())
            continue
        parts = [b"P", struct.pack(">I", len(rows))]
        for r in rows:
            parts.append(struct.pack(">I", len(r)))
            parts.append(r)
        payload = b"".join(parts)
        out.write(struct.pack(">I", len(payload)) + payload)



def score_fn(model, schema, columns, pd, encoder, jsonable, cast):
    """Returns a function that scores one request body into per-row JSON."""
    names = [c["name"] for c in columns]

    import numpy as np

    types = [c["type"] for c in columns]

    def typed_columns(cols):
        """Builds the columns with the dtypes MLflow's cast gives them, when
        that is plain (no missing integers or booleans, strings only in
        string columns): the same frame, without the cast's cost per
        request. None otherwise, for MLflow's own cast."""
        out = []
        for t, col in zip(types, cols):
            if t == "double":
                out.append(np.array(col, dtype=np.float64))  # None is NaN, as in the cast
            elif t == "long" and all(type(v) is int for v in col):
                out.append(np.array(col, dtype=np.int64))
            elif t == "boolean" and all(type(v) is bool for v in col):
                out.append(np.array(col, dtype=np.bool_))
            elif t == "string" and all(type(v) is str for v in col):
                out.append(col)
            else:
                return None
        return out

    def score(body):
        cols = json.loads(body)
        if len(cols) != len(names):
            raise ValueError("request has %d columns, the worker reads %d" % (len(cols), len(names)))
        typed = typed_columns(cols)
        if typed is not None:
            df = pd.DataFrame(dict(zip(names, typed)), columns=names, copy=False)
        else:
            df = pd.DataFrame({name: col for name, col in zip(names, cols)}, columns=names)
            if schema is not None and cast is not None:
                df = cast(df, schema)
        raw = model.predict(df)
        preds = jsonable(raw, pandas_orient="records") if jsonable else raw
        if isinstance(preds, tuple):
            preds = list(preds)
        if not isinstance(preds, list):
            raise TypeError(
                "predict returned a %s, not one answer per row: Weir serves only per-row predictions"
                % type(raw).__name__
            )
        if len(preds) != len(df):
            raise ValueError("predict returned %d answers for %d rows" % (len(preds), len(df)))
        return [json.dumps(p, cls=encoder).encode() for p in preds]

    return score


if __name__ == "__main__":
    sys.exit(main())
