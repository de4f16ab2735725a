#!/usr/bin/env bash
# Random-forest training benchmark: Weir's tree.RandomForestClassifier against
# scikit-learn's RandomForestClassifier, same data, same settings
# (max_features="sqrt", min_samples_leaf, n_estimators), same thread count.
# Prints a markdown table of training time, peak memory (/usr/bin/time -v,
# whole process: loading the data included) and test ROC AUC, with ratios.
#
#   bench/train/forest.sh            # from the repository root
#
# Environment: PYTHON (default /work/venv/bin/python, then python3),
# BENCH_THREADS (default 2), FOREST_BENCH_DIR (data cache, default
# ${TMPDIR:-/tmp}/weir-forest-bench), WEIR_BANK_DATA (bank-full.csv; the bank
# rows are skipped when it is absent).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-/work/venv/bin/python}
[ -x "$PY" ] || PY=python3
export BENCH_THREADS=${BENCH_THREADS:-2}
DIR=${FOREST_BENCH_DIR:-${TMPDIR:-/tmp}/weir-forest-bench}
mkdir -p "$DIR"

[ -f "$DIR/synthetic/test_y.npy" ] || "$PY" bench/train/forest_data.py "$DIR" >&2
go build -o "$DIR/forest" ./bench/train/forest

# measure OUT CMD... runs CMD under /usr/bin/time -v and writes
# "train_seconds auc peak_mb cpu_seconds" to OUT. CPU seconds (user + system,
# whole process) are the fairer comparison when the machine is shared.
measure() {
	local out=$1
	shift
	/usr/bin/time -v -o "$out.time" "$@" >"$out.json"
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = dict(l.strip().split(": ", 1) for l in open(sys.argv[2]) if ": " in l)
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(d["train_seconds"], d["auc"], int(t["Maximum resident set size (kbytes)"]) / 1024, cpu)
' "$out.json" "$out.time" >"$out"
}

echo "| data | trees | Weir train (s) | scikit-learn train (s) | speed-up | Weir CPU (s) | scikit-learn CPU (s) | CPU ratio | Weir peak MB | scikit-learn peak MB | memory ratio | Weir AUC | scikit-learn AUC |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "bank 100 5" "synthetic 20 5"; do
	read -r data trees leaf <<<"$spec"
	if [ ! -f "$DIR/$data/train_X.npy" ]; then
		echo "skipping $data: no data in $DIR/$data" >&2
		continue
	fi
	measure "$DIR/$data.weir" "$DIR/forest" "$DIR/$data" "$trees" "$leaf"
	measure "$DIR/$data.sklearn" "$PY" bench/train/forest_sklearn.py "$DIR/$data" "$trees" "$leaf"
	read -r wt wa wm wc <"$DIR/$data.weir"
	read -r st sa sm sc <"$DIR/$data.sklearn"
	"$PY" -c '
import sys
data, trees = sys.argv[1:3]
wt, wa, wm, wc, st, sa, sm, sc = map(float, sys.argv[3:])
print(f"| {data} | {trees} | {wt:.2f} | {st:.2f} | {st/wt:.1f}x | {wc:.1f} | {sc:.1f} | {sc/wc:.1f}x "
      f"| {wm:.0f} | {sm:.0f} | {sm/wm:.1f}x | {wa:.4f} | {sa:.4f} |")
' "$data" "$trees" "$wt" "$wa" "$wm" "$wc" "$st" "$sa" "$sm" "$sc"
done
echo
echo "All runs: max_features=sqrt, min_samples_leaf=5, bootstrap; threads: $BENCH_THREADS; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
