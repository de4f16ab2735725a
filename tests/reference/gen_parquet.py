"""Reference Parquet files for ml/frame/parquet, from pandas and pyarrow.

Writes tests/reference/fixtures/parquet/:
- pandas_written.parquet: a small DataFrame with every dtype Weir maps to a
  frame kind (floats, ints, nullable ints, bools, nullable booleans,
  categoricals, strings, naive and UTC datetimes, dates, float32, int32,
  uint8), each with missing values where the dtype allows them, written by
  pandas through pyarrow;
- pandas_written_gzip.parquet, pandas_written_zstd_v2.parquet: the same
  table gzip-compressed, and zstd-compressed with version 2 data pages;
  pandas_written_lz4.parquet: with a codec Weir refuses;
- pandas_written.json: what Weir must read from each, column by column
  (kind and values; times as nanoseconds since the epoch, UTC);
- weir_written.json: what pandas reads from weir_written.parquet, the file
  Weir's writer makes (committed by the Go test with -update), in the same
  form, so the Go test can check that pandas sees Weir's frame.

Deterministic: fixed values, pinned pyarrow, no timestamps in the output.
"""
import datetime
import json
import math
import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DIR = pathlib.Path(__file__).parent / "fixtures" / "parquet"


def pandas_frame():
    n = 6
    return pd.DataFrame({
        "f64": pd.array([1.5, np.nan, -0.25, 1e300, 0.0, 3.0], dtype="float64"),
        "i64": pd.array([1, -2, 3, 2**62, 0, -(2**62)], dtype="int64"),
        "i64_na": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
        "b": pd.array([True, False, True, True, False, False], dtype="bool"),
        "b_na": pd.array([True, None, False, True, None, False], dtype="boolean"),
        "cat": pd.Categorical(["yes", "no", None, "yes", "maybe", "no"], categories=["no", "yes", "maybe", "never"]),
        "s": pd.array(["admin.", "blue-collar", None, "é", "", "a,b"], dtype=object),
        "ts": pd.to_datetime(["2008-05-05 10:11:12.123456", None, "1970-01-01", "2010-11-17", "1999-12-31 23:59:59", "2026-12-06"], format="ISO8601"),
        "ts_utc": pd.to_datetime(["2008-05-05T10:11:12Z", "2010-01-01T00:00:00Z", None, "1980-02-29T12:00:00Z", "2000-01-01T00:00:00Z", "2026-12-06T01:02:03.5Z"], utc=True, format="ISO8601"),
        "d": [datetime.date(2008, 5, 5), None, datetime.date(1969, 12, 31), datetime.date(2010, 11, 17), datetime.date(2000, 2, 29), datetime.date(2026, 12, 6)],
        "f32": pd.array([0.5, np.nan, 2.0, -1.25, 3.0, 0.0], dtype="float32"),
        "i32": pd.array([1, 2, -3, 2**31 - 1, -(2**31), 0], dtype="int32"),
        "u8": pd.array([0, 255, 1, 2, 3, 4], dtype="uint8"),
    }), n


def write_pandas_fixture():
    df, _ = pandas_frame()
    # "d" holds Python dates: pyarrow writes them as the DATE logical type.
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("d"), "d", pa.array(df["d"], type=pa.date32()))
    pq.write_table(table, DIR / "pandas_written.parquet", compression="snappy")
    # The same table with the other codecs Weir reads and with version 2
    # data pages, whose levels are stored apart from the values.
    pq.write_table(table, DIR / "pandas_written_gzip.parquet", compression="gzip")
    pq.write_table(table, DIR / "pandas_written_zstd_v2.parquet", compression="zstd", data_page_version="2.0")
    # A codec Weir refuses, for the error message.
    pq.write_table(table, DIR / "pandas_written_lz4.parquet", compression="lz4")
    return table


def nanos(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
        return int(pd.Timestamp(v).value)
    t = pd.Timestamp(v)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return int(t.value)


def column_json(kind, values):
    out = []
    for v in values:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif kind == "time":
            out.append(nanos(v))
        elif kind == "float":
            out.append(repr(float(v)))  # exact text: JSON numbers lose big ints and -0
        elif kind == "int":
            out.append(str(int(v)))
        elif kind == "bool":
            out.append(bool(v))
        else:
            out.append(str(v))
    return {"kind": kind, "values": out}


def kind_of(arrow_type):
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "time"
    return "categorical"


def describe(table):
    cols = []
    for name in table.column_names:
        col = table.column(name)
        t = col.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        cols.append({"name": name, **column_json(kind_of(t), col.to_pylist())})
    return {"rows": table.num_rows, "columns": cols}


def dump(obj, path):
    path.write_text(json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=True) + "\n")


def main():
    DIR.mkdir(parents=True, exist_ok=True)
    table = write_pandas_fixture()
    dump(describe(pq.read_table(DIR / "pandas_written.parquet")), DIR / "pandas_written.json")
    weir = DIR / "weir_written.parquet"
    if weir.exists():
        # pandas, the way users read files: read_parquet, then back to arrow
        # types for the description.
        df = pd.read_parquet(weir)
        dump({"pandas_dtypes": {c: str(df[c].dtype) for c in df.columns}, **describe(pa.Table.from_pandas(df, preserve_index=False))},
             DIR / "weir_written.json")


if __name__ == "__main__":
    main()
