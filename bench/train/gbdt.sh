#!/usr/bin/env bash
# Train Weir's GBDT and LightGBM with the same parameters (LightGBM's
# defaults: binary objective, 31 leaves, learning rate 0.1, 100 trees) and
# the same thread count on the bank-marketing data (2008 train, 2009-2010
# test, duration dropped) and on a generated 1,000,000 x 50 data set, and
# print a markdown table of train time, peak memory (max RSS of the whole
# process, from /usr/bin/time -v) and test AUC, with Weir/LightGBM ratios.
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
# "seconds rss_mb auc" from its JSON line and the time report.
measure() {
	local out="$work/$1"
	shift
	/usr/bin/time -v "$@" >"$out.json" 2>"$out.time"
	"$python" - "$out.json" "$out.time" <<'PY'
import json, re, sys
res = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1))
print(f"{res['train_seconds']:.2f} {rss / 1024:.0f} {res['auc']:.6f}")
PY
}

echo "| data | rows x cols | Weir train s | LightGBM train s | ratio | Weir peak MB | LightGBM peak MB | ratio | Weir AUC | LightGBM AUC |"
echo "|---|---|---|---|---|---|---|---|---|---|"
row() {
	local name=$1 shape=$2 w l
	read -r ws wm wa <<<"$3"
	read -r ls lm la <<<"$4"
	printf "| %s | %s | %s | %s | %.2fx | %s | %s | %.2fx | %s | %s |\n" "$name" "$shape" \
		"$ws" "$ls" "$(echo "$ws / $ls" | bc -l)" "$wm" "$lm" "$(echo "$wm / $lm" | bc -l)" "$wa" "$la"
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
