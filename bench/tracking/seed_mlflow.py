"""Seed an MLflow SQLite database with the benchmark's read-side data.

Seeding 10,000 runs through `mlflow server`'s HTTP API takes about 20 minutes on
the 2-core benchmark machine (two requests per run, ~17 requests/s), which alone
would blow run.sh's time budget. So run.sh writes the very same rows through
MLflow's own store (for the schema and the experiment) and its SQLAlchemy tables
(for the rows, in one transaction) before the server starts. The other servers
are seeded over HTTP by the load generator; the data is identical:

- search: one experiment with RUNS runs; run r has metric m = ((r*7919) % RUNS) / RUNS
  and param p = "xyzw"[r % 4] (searchSeedRun in ops.go);
- history: one run with POINTS values of metric "loss", value (s % 1000) / 1000 at step s
  (seedHistory in ops.go).

The load generator checks every answer against these formulas, so a mismatch
shows up as errors, not as speed.

Usage: python seed_mlflow.py sqlite:///PATH ARTIFACT_DIR RUNS POINTS
Prints: SEARCH_EXPERIMENT_ID HISTORY_RUN_ID
"""

import sys
import time
import uuid

from mlflow.store.tracking.dbmodels.models import (
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def run_row(experiment_id, run_id, name, start_time):
    return {
        "run_uuid": run_id,
        "name": name,
        "experiment_id": int(experiment_id),
        "source_type": "UNKNOWN",
        "source_name": "",
        "entry_point_name": "",
        "user_id": "weir-bench",
        "status": "RUNNING",
        "start_time": start_time,
        "end_time": None,
        "deleted_time": None,
        "source_version": "",
        "lifecycle_stage": "active",
        "artifact_uri": "",
    }


def metric_row(run_id, key, value, step, now):
    return {
        "run_uuid": run_id,
        "key": key,
        "value": value,
        "timestamp": now,
        "step": step,
        "is_nan": False,
    }


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    db_uri, artifacts, runs, points = argv[1], argv[2], int(argv[3]), int(argv[4])
    if runs < 1 or points < 1:
        sys.exit("RUNS and POINTS must be positive")
    store = SqlAlchemyStore(db_uri, artifacts)
    search_exp = store.create_experiment("weir-bench-search-seeded")
    history_exp = store.create_experiment("weir-bench-history-seeded")
    now = int(time.time() * 1000)

    run_rows, tag_rows, metric_rows, param_rows = [], [], [], []
    for r in range(runs):
        run_id = uuid.uuid4().hex
        m = ((r * 7919) % runs) / runs
        run_rows.append(run_row(search_exp, run_id, f"seed-{r}", now + r))
        tag_rows.append({"run_uuid": run_id, "key": "mlflow.runName", "value": f"seed-{r}"})
        metric_rows.append(metric_row(run_id, "m", m, 0, now))
        param_rows.append({"run_uuid": run_id, "key": "p", "value": "xyzw"[r % 4]})
    latest_rows = list(metric_rows)

    history_run = uuid.uuid4().hex
    run_rows.append(run_row(history_exp, history_run, "seed-history", now))
    tag_rows.append({"run_uuid": history_run, "key": "mlflow.runName", "value": "seed-history"})
    history_rows = [metric_row(history_run, "loss", (s % 1000) / 1000, s, now) for s in range(points)]
    metric_rows.extend(history_rows)
    latest_rows.append(history_rows[-1])

    with store.ManagedSessionMaker() as session:
        for table, rows in (
            (SqlRun.__table__, run_rows),
            (SqlTag.__table__, tag_rows),
            (SqlMetric.__table__, metric_rows),
            (SqlLatestMetric.__table__, latest_rows),
            (SqlParam.__table__, param_rows),
        ):
            session.execute(table.insert(), rows)
    print(search_exp, history_run)


if __name__ == "__main__":
    main(sys.argv)
