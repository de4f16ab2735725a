#!/usr/bin/env bash
# Train Weir's GBDT and LightGBM with the same parameters (LightGBM's
# defaults: binary objective, 31 leaves, learning rate 0.1, 100 trees) and
# the same thread count on the bank-marketing data (2008 train, 2009-2010
# test, duration dropped) and on a generated 1,000,000 x 50 data set, and
# print a markdown table of train time (Fit / lgb.train: binning and
# boosting), whole-process CPU time and peak memory (user+sys and max RSS
# from /usr/bin/time -v, so they include loading the data and, for
# LightGBM, importing Python) and test AUC, with Weir/LightGBM ratios.
#
#   bench/train/gbdt.sh            (from the repository root)
#
# Environment: BENCH_THREADS (2), WEIR_BANK_DATA (bank-full.csv),
# PYTHON (/work/venv/bin/python or python3), BENCH_DATA_DIR (where the
# generated data set is written once and reused; default under $TMPDIR).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export BENCH_THREADS=${BENCH_THREADS:-2}
python=${PYTHON:-$( [ -x /work/venv/bin/python ] && echo /work/venv/bin/python || echo python3 )}
bank=${WEIR_BANK_DATA:-../shared/data/bank-marketing/bank-full.csv}
data=${BENCH_DATA_DIR:-${TMPDIR:-/tmp}/weir-gbdt-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x /usr/bin/time ] || { echo "gbdt.sh: needs GNU time at /usr/bin/time" >&2; exit 1; }
go build -o "$work/gbdt" ./bench/train/gbdt
if [ ! -f "$data/test_y.npy" ]; then
	"$python" bench/train/gbdt_data.py "$data" >&2
fi

# measure NAME CMD...: runs CMD under /usr/bin/time -v, prints
# "seconds cpu_seconds rss_mb auc" from its JSON line and the time report.
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
print(f"{res['train_seconds']:.2f} {cpu:.1f} {rss:.0f} {res['auc']:.6f}")
PY
}

echo "| data | rows x cols | Weir train (s) | LightGBM train (s) | time ratio | Weir CPU (s) | LightGBM CPU (s) | CPU ratio | Weir peak MB | LightGBM peak MB | memory ratio | Weir AUC | LightGBM AUC |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
ratio() { echo "scale=4; $1 / $2" | bc -l; }
row() {
	local name=$1 shape=$2 ws wc wm wa ls lc lm la
	read -r ws wc wm wa <<<"$3"
	read -r ls lc lm la <<<"$4"
	printf "| %s | %s | %s | %s | %.2fx | %s | %s | %.2fx | %s | %s | %.2fx | %.4f | %.4f |\n" "$name" "$shape" \
		"$ws" "$ls" "$(ratio "$ws" "$ls")" "$wc" "$lc" "$(ratio "$wc" "$lc")" \
		"$wm" "$lm" "$(ratio "$wm" "$lm")" "$wa" "$la"
}
if [ -f "$bank" ]; then
	row bank "27,729 x 15" "$(measure weir-bank "$work/gbdt" bank "$bank")" \
		"$(measure lgb-bank "$python" bench/train/gbdt_lightgbm.py bank "$bank")"
else
	echo "gbdt.sh: bank data not found at $bank (set WEIR_BANK_DATA); skipping it" >&2
fi
row synthetic "1,000,000 x 50" "$(measure weir-synth "$work/gbdt" synthetic "$data")" \
	"$(measure lgb-synth "$python" bench/train/gbdt_lightgbm.py synthetic "$data")"
echo
echo "threads: $BENCH_THREADS; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
