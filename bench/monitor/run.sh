#!/usr/bin/env bash
# Monitoring benchmark: a data-drift report over 1,000,000 generated rows ×
# 20 features (500,000 reference + 500,000 current), Weir against Evidently
# 0.7.23's DataDriftPreset, each with its default per-column tests. Both read
# the same CSV files and write an HTML and a JSON report. Wall time and peak
# memory are whole-process figures from /usr/bin/time -v (CSV reading and,
# for Evidently, importing Python included); the read + drift column is
# reading the CSVs and computing the drift, as each tool times it (Weir tests
# rows as it streams them, so the two are not apart).
#
#   bench/monitor/run.sh            # from the repository root
#
# Environment: EVIDENTLY_PYTHON (default .venv-evidently/bin/python, then
# /work/venv-evidently/bin/python), MONITOR_BENCH_DIR (default
# ${TMPDIR:-/tmp}/weir-monitor-bench), BENCH_ROWS (rows per file, default
# 500000).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${EVIDENTLY_PYTHON:-}
for p in "$PY" .venv-evidently/bin/python /work/venv-evidently/bin/python; do
	if [ -n "$p" ] && [ -x "$p" ]; then PY=$p; break; fi
done
[ -x "$PY" ] || { echo "no Python with evidently (set EVIDENTLY_PYTHON)" >&2; exit 1; }
DIR=${MONITOR_BENCH_DIR:-${TMPDIR:-/tmp}/weir-monitor-bench}
ROWS=${BENCH_ROWS:-500000}
mkdir -p "$DIR"

go build -o "$DIR/monitor" ./bench/monitor
[ -f "$DIR/cur-$ROWS.csv" ] || {
	"$DIR/monitor" -gen "$DIR/gen" -rows "$ROWS"
	mv "$DIR/gen/ref.csv" "$DIR/ref-$ROWS.csv"
	mv "$DIR/gen/cur.csv" "$DIR/cur-$ROWS.csv"
}

# measure NAME CMD... writes "wall_seconds drift_seconds peak_mb cpu_seconds".
measure() {
	local out=$DIR/$1
	shift
	/usr/bin/time -v -o "$out.time" "$@" >"$out.json"
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = dict(l.strip().split(": ", 1) for l in open(sys.argv[2]) if ": " in l)
h, m, s = (["0"] * 3 + t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
wall = int(h) * 3600 + int(m) * 60 + float(s)
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(wall, d["drift_seconds"], int(t["Maximum resident set size (kbytes)"]) / 1024, cpu)
' "$out.json" "$out.time" >"$out"
}

measure weir "$DIR/monitor" -ref "$DIR/ref-$ROWS.csv" -cur "$DIR/cur-$ROWS.csv" -out "$DIR/weir-report"
measure evidently "$PY" bench/monitor/evidently_run.py "$DIR/ref-$ROWS.csv" "$DIR/cur-$ROWS.csv" "$DIR/evidently-report"
read -r ww wd wm wc <"$DIR/weir"
read -r ew ed em ec <"$DIR/evidently"
echo "| rows (reference + current) × features | Weir wall (s) | Evidently wall (s) | speed-up | Weir read + drift (s) | Evidently read + drift (s) | read + drift speed-up | Weir CPU (s) | Evidently CPU (s) | CPU ratio | Weir peak MB | Evidently peak MB | memory ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
"$PY" -c '
import sys
rows = int(sys.argv[1])
ww, wd, wm, wc, ew, ed, em, ec = map(float, sys.argv[2:])
print(f"| {rows:,} + {rows:,} × 20 | {ww:.2f} | {ew:.2f} | {ew/ww:.1f}x | {wd:.2f} | {ed:.2f} | {ed/wd:.1f}x "
      f"| {wc:.1f} | {ec:.1f} | {ec/wc:.1f}x | {wm:.0f} | {em:.0f} | {em/wm:.1f}x |")
' "$ROWS" "$ww" "$wd" "$wm" "$wc" "$ew" "$ed" "$em" "$ec"
# Both reports must agree on every column's test and score.
"$PY" -c '
import json, sys
e = json.load(open(sys.argv[1]))
w = {c["column"]: c for c in json.load(open(sys.argv[2]))["drift"]["columns"]}
worst, n = 0.0, 0
for m in e["metrics"]:
    col = m.get("config", {}).get("column")
    if col is None or "ValueDrift" not in m.get("metric_name", ""):
        continue
    worst, n = max(worst, abs(m["value"] - w[col]["score"])), n + 1
print(f"\n{n} columns compared; largest difference between Weir and Evidently drift scores: {worst:.3g}")
' "$DIR/evidently-report/report.json" "$DIR/weir-report/report.json"
