"""Evidently's side of the monitoring benchmark: read the same two CSVs,
run a Report with DataDriftPreset (Evidently's default tests and
thresholds), save its HTML and JSON, print phase timings as JSON.

    python evidently_run.py REF.csv CUR.csv OUTDIR

Run it with the Python that has evidently==0.7.23 (it needs pandas < 3).
"""
import json
import pathlib
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

ref_path, cur_path, out = sys.argv[1:4]
t1 = time.perf_counter()
ref = pd.read_csv(ref_path)
cur = pd.read_csv(cur_path)
t2 = time.perf_counter()
categorical = [c for c in ref.columns if ref[c].dtype == object]
numerical = [c for c in ref.columns if c not in categorical]
definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
snapshot = Report([DataDriftPreset()]).run(
    current_data=Dataset.from_pandas(cur, data_definition=definition),
    reference_data=Dataset.from_pandas(ref, data_definition=definition),
)
t3 = time.perf_counter()
outdir = pathlib.Path(out)
outdir.mkdir(parents=True, exist_ok=True)
snapshot.save_html(str(outdir / "report.html"))
snapshot.save_json(str(outdir / "report.json"))
t4 = time.perf_counter()
# drift_seconds counts reading the CSVs too, as Weir's does: Weir tests the
# rows as it reads them, so the two phases are not apart there.
print(json.dumps({"import_seconds": t1 - t0, "read_seconds": t2 - t1, "drift_seconds": t3 - t1,
                  "report_seconds": t4 - t3}))
