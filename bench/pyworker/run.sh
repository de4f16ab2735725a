#!/usr/bin/env bash
# Python-worker serving benchmark: Weir's Go server with pyworker's Python
# workers (what `weir models serve --env-manager local` runs for a model no
# native adapter reads) against `mlflow models serve --env-manager local`,
# on the same custom pyfunc model (save_model.py), one Python worker each
# (MLflow's default). bench/serve/load drives both: throughput, p50 and p99
# at each concurrency in CONCS, with 1-row and 100-row dataframe_split
# requests.
#
# Usage: bench/pyworker/run.sh   (env: DUR=5s CONCS="1 8" REPS=3
#        SERVERS="weir-py mlflow" PY=/work/main/.venv/bin/python)
# "weir-py-batch" is Weir with micro-batching (--max-batch-size 256): the
# rows of concurrent requests go to Python in one predict call.
# Writes bench/pyworker/out/results.md and the raw JSON lines next to it.
#
# As in bench/serve/run.sh, on two or more CPUs the server under test (for
# Weir: the Go server and its Python worker) runs on CPU 0 and the load
# generator on the others.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${WEIR_BANK_DATA:-../shared/data/bank-marketing/bank-full.csv}
WORK=${WORK:-/tmp/weir-pyworker-bench}
OUT=bench/pyworker/out
DUR=${DUR:-5s}
CONCS=${CONCS:-"1 8"}
SERVERS=${SERVERS:-"weir-py mlflow"}
PY=${PY:-/work/main/.venv/bin/python}
[ -f "$DATA" ] || { echo "bank data not found at $DATA (set WEIR_BANK_DATA)" >&2; exit 1; }
ncpu=$(nproc)
server_pin=() load_pin=()
if [ "${PIN:-1}" = 1 ] && [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin=(taskset -c "${SERVER_CPUS:-0}")
  load_pin=(taskset -c "${LOAD_CPUS:-1-$((ncpu - 1))}")
fi
mkdir -p "$WORK" "$OUT"
rm -f "$OUT"/*.jsonl

go build -o "$WORK/load" ./bench/serve/load
go build -o "$WORK/server" ./bench/pyworker/server
[ -f "$WORK/model/MLmodel" ] || "$PY" bench/pyworker/save_model.py "$WORK/model" 2>/dev/null

"$PY" - "$DATA" "$WORK" <<'PYEOF'
import json, sys
import pandas as pd
cols = ["age", "balance", "day", "campaign", "pdays", "previous"]
df = pd.read_csv(sys.argv[1]).iloc[27729:][cols]
for n in (1, 100):
    body = {"dataframe_split": {"columns": cols, "data": df.iloc[:n].values.tolist()}}
    open(f"{sys.argv[2]}/body{n}.json", "w").write(json.dumps(body))
PYEOF

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

launch() {
  case $1 in
    weir-py) WEIR_PYTHON="$PY" setsid "${server_pin[@]}" "$WORK/server" -m "$WORK/model" -port "$2" >"$WORK/$1.log" 2>&1 & ;;
    weir-py-batch) WEIR_PYTHON="$PY" setsid "${server_pin[@]}" "$WORK/server" -m "$WORK/model" -port "$2" -batch 256 >"$WORK/$1.log" 2>&1 & ;;
    mlflow) PATH="$(dirname "$PY"):$PATH" setsid "${server_pin[@]}" "$(dirname "$PY")/mlflow" models serve -m "$WORK/model" -p "$2" -h 127.0.0.1 \
              --env-manager local >"$WORK/$1.log" 2>&1 & ;;
  esac
  pid=$!
}
stop() {
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  trap - EXIT
}

for rep in $(seq 1 "${REPS:-3}"); do
  for server in $SERVERS; do
    port=$(free_port)
    url="http://127.0.0.1:$port"
    launch "$server" "$port"
    trap 'kill -- -'"$pid"' 2>/dev/null || true' EXIT
    "$WORK/load" -url "$url/ping" -ready-since "$(date +%s%N)" -ready-pid "$pid" >/dev/null
    for rows in 1 100; do
      for c in $CONCS; do
        line=$("${load_pin[@]}" "$WORK/load" -url "$url/invocations" -body "$WORK/body$rows.json" -c "$c" -d "$DUR")
        echo "{\"server\":\"$server\",\"rep\":$rep,\"rows\":$rows,${line:1}" >> "$OUT/$server.jsonl"
        echo "round $rep: $server rows=$rows $line" >&2
      done
    done
    stop
  done
done

"$PY" - "$OUT" $SERVERS <<'PYEOF'
import json, sys, os
out, servers = sys.argv[1], sys.argv[2:]
runs = {}
for s in servers:
    for line in open(os.path.join(out, f"{s}.jsonl")):
        r = json.loads(line)
        runs.setdefault((s, r["rows"], r["concurrency"]), []).append(r)
def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
cell = {k: {m: median([r[m] for r in v]) for m in ("rps", "p50_ms", "p99_ms")} | {"errors": sum(r["errors"] for r in v), "n": len(v)}
        for k, v in runs.items()}
lines = ["| rows/request | clients | server | req/s | p50 ms | p99 ms | req/s vs mlflow | p50 vs mlflow |", "|---|---|---|---|---|---|---|---|"]
for n in sorted({k[1] for k in cell}):
    for c in sorted({k[2] for k in cell}):
        m = cell.get(("mlflow", n, c))
        for s in servers:
            r = cell.get((s, n, c))
            if r is None:
                continue
            ratio = f"{r['rps'] / m['rps']:.2f}x | {m['p50_ms'] / r['p50_ms']:.2f}x lower" if m and s != "mlflow" else " | "
            err = f" ({r['errors']} errors)" if r["errors"] else ""
            lines.append(f"| {n} | {c} | {s} | {r['rps']:.0f}{err} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} |")
lines += ["", "Each cell is the median of %s rounds." % "/".join(sorted({str(v["n"]) for v in cell.values()}))]
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PYEOF
