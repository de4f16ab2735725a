#!/usr/bin/env bash
# Train Weir's GBDT and LightGBM for the multiclass (softmax, 5 classes)
# and regression (L2, L1, huber) objectives with the same parameters
# (LightGBM's defaults, 100 iterations) and the same thread count on a
# generated 200,000 x 50 training set (50,000 test rows), and print a
# markdown table of train time (Fit / lgb.train: binning and boosting),
# whole-process CPU time and peak memory (user+sys and max RSS from
# /usr/bin/time -v, so they include loading the data and, for LightGBM,
# importing Python), the test score of each (accuracy or RMSE) and the
# largest difference between their test raw scores, with Weir/LightGBM
# ratios.
#
#   bench/train/gbdt/tasks.sh                 (from the repository root)
#   bench/train/gbdt/tasks.sh multiclass      (some objectives only)
#
# Environment: BENCH_THREADS (2), PYTHON (/work/venv/bin/python or
# python3), BENCH_DATA_DIR (where the data set is written once and reused;
# default under $TMPDIR).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
export BENCH_THREADS=${BENCH_THREADS:-2}
python=${PYTHON:-$( [ -x /work/venv/bin/python ] && echo /work/venv/bin/python || echo python3 )}
data=${BENCH_DATA_DIR:-${TMPDIR:-/tmp}/weir-gbdt-tasks-bench}
objectives=${*:-multiclass regression regression_l1 huber}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x /usr/bin/time ] || { echo "tasks.sh: needs GNU time at /usr/bin/time" >&2; exit 1; }
go build -o "$work/gbdt" ./bench/train/gbdt
if [ ! -f "$data/test_target.npy" ]; then
	"$python" bench/train/gbdt/tasks_data.py "$data" >&2
fi

# measure NAME CMD...: runs CMD under /usr/bin/time -v, prints
# "seconds cpu_seconds rss_mb score" from its JSON line and the time report.
measure() {
	local out="$work/$1"
	shift
	/usr/bin/time -v "$@" >"$out.json" 2>"$out.time"
	"$python" - "$out.json" "$out.time" <<'PY'
import json, re, sys
res = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
t = open(sys.argv[2]).read()
field = lambda name: float(re.search(name + r": ([\d.]+)", t).group(1))
cpu = field(r"User time \(seconds\)") + field(r"System time \(seconds\)")
rss = field(r"Maximum resident set size \(kbytes\)") / 1024
print(f"{res['train_seconds']:.2f} {cpu:.1f} {rss:.0f} {res['score']:.6f}")
PY
}

echo "| objective | score | Weir train (s) | LightGBM train (s) | time ratio | Weir CPU (s) | LightGBM CPU (s) | CPU ratio | Weir peak MB | LightGBM peak MB | memory ratio | Weir score | LightGBM score | max raw-score difference |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
ratio() { echo "scale=4; $1 / $2" | bc -l; }
for obj in $objectives; do
	score=RMSE
	[ "$obj" = multiclass ] && score=accuracy
	read -r ws wc wm wa <<<"$(measure "weir-$obj" "$work/gbdt" "$obj" "$data" "$work/weir-$obj.raw")"
	read -r ls lc lm la <<<"$(measure "lgb-$obj" "$python" bench/train/gbdt/tasks_lightgbm.py "$obj" "$data" "$work/lgb-$obj.raw")"
	diff=$("$python" -c 'import numpy as np, sys; a, b = (np.fromfile(p, "<f8") for p in sys.argv[1:]); print(f"{np.max(np.abs(a - b)):.3g}")' \
		"$work/weir-$obj.raw" "$work/lgb-$obj.raw")
	printf "| %s | %s | %s | %s | %.2fx | %s | %s | %.2fx | %s | %s | %.2fx | %.4f | %.4f | %s |\n" "$obj" "$score" \
		"$ws" "$ls" "$(ratio "$ws" "$ls")" "$wc" "$lc" "$(ratio "$wc" "$lc")" \
		"$wm" "$lm" "$(ratio "$wm" "$lm")" "$wa" "$la" "$diff"
done
echo
echo "200,000 x 50 training rows, 50,000 test rows; threads: $BENCH_THREADS; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
