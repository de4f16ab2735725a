#!/usr/bin/env bash
# Serving benchmark: `weir models serve` against `mlflow models serve` on the
# same GBDT (LightGBM's default settings on the bank data's numeric columns;
# Weir's own GBDT for Weir, LightGBM logged with mlflow.lightgbm for MLflow).
# One Go load generator (bench/serve/load) drives both: throughput, p50 and
# p99 at each concurrency in CONCS, with 1-row and 100-row dataframe_split
# requests; plus start-up time from launch to the first 200 on /ping.
#
# Usage: bench/serve/run.sh      (env: DUR=5s CONCS="1 8 64" SERVERS="weir weir-nopoll mlflow" STARTS=3 REPS=3)
# Python-trained models served by both (issue 13's bar): "weir-lgb" is Weir
# serving the very LightGBM model mlflow serves (mlflow.lightgbm, skops);
# "weir-rf" and "mlflow-rf" serve a scikit-learn random forest saved by
# mlflow.sklearn. SERVERS="weir-lgb mlflow weir-rf mlflow-rf" runs those.
# Weir runs its serving build (go build -tags weir_serve), the binary images
# carry: "weir" with its defaults, "weir-nopoll" with busy polling off
# (--busy-poll 0), to show what the polling gives.
# Start-up is the median of STARTS launches.
# Writes bench/serve/out/results.md and the raw JSON lines next to it.
#
# On a machine of two or more CPUs the server under test runs on CPU 0 and
# the load generator on the others (SERVER_CPUS, LOAD_CPUS; PIN=0 to leave
# placement to the kernel): both servers get one whole core that the load
# generator, which burns CPU of its own at thousands of requests a second,
# cannot take from them. Unpinned, the server's share depended on the
# kernel's session groups (setsid puts it in a group of its own) and moved
# its p99 by a factor of two between otherwise identical runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${WEIR_BANK_DATA:-../shared/data/bank-marketing/bank-full.csv}
WORK=${WORK:-/tmp/weir-serve-bench}
OUT=bench/serve/out
DUR=${DUR:-5s}
CONCS=${CONCS:-"1 8 64"}
SERVERS=${SERVERS:-"weir weir-nopoll mlflow"}
PY=${PY:-/work/venv/bin/python}
[ -f "$DATA" ] || { echo "bank data not found at $DATA (set WEIR_BANK_DATA)" >&2; exit 1; }
ncpu=$(nproc)
server_pin=() load_pin=()
if [ "${PIN:-1}" = 1 ] && [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin=(taskset -c "${SERVER_CPUS:-0}")
  load_pin=(taskset -c "${LOAD_CPUS:-1-$((ncpu - 1))}")
  echo "server on CPU ${SERVER_CPUS:-0}, load generator on CPU ${LOAD_CPUS:-1-$((ncpu - 1))}" >&2
fi
mkdir -p "$WORK" "$OUT"

go build -o "$WORK/load" ./bench/serve/load
# Weir's serving build, compiled as build-image compiles it for images.
CGO_ENABLED=0 go build -trimpath -tags weir_serve -ldflags "-s -w" -o "$WORK/weir" ./cmd/weir
echo "weir serving build: $(stat -c %s "$WORK/weir") bytes" >&2

[ -f "$WORK/weir-model/MLmodel" ] || go run ./bench/serve/train "$DATA" "$WORK/weir-model"
case " $SERVERS " in *" mlflow "*|*" weir-lgb "*)
  [ -f "$WORK/mlflow-model/MLmodel" ] || "$PY" bench/serve/train_lightgbm.py "$DATA" "$WORK/mlflow-model" 2>/dev/null
  # Its Booster as LightGBM's text model, for the Go benchmarks of
  # mlmodel/lightgbm and serve (BenchmarkLightGBMRows, BenchmarkLightGBMModel).
  [ -f "$WORK/lightgbm-booster.txt" ] || "$PY" -c 'import sys, mlflow.lightgbm
mlflow.lightgbm.load_model(sys.argv[1]).booster_.save_model(sys.argv[2])' "$WORK/mlflow-model" "$WORK/lightgbm-booster.txt" 2>/dev/null ;;
esac
case " $SERVERS " in *"-rf "*)
  [ -f "$WORK/sklearn-model/MLmodel" ] || "$PY" bench/serve/train_sklearn.py "$DATA" "$WORK/sklearn-model" 2>/dev/null ;;
esac

# Request bodies: rows of 2009, the year after training.
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

# wait_ready URL PID START_NS: prints milliseconds from START_NS (taken just
# before launching) until /ping answers 200, polled every millisecond.
wait_ready() {
  "$WORK/load" -url "$1/ping" -ready-since "$3" -ready-pid "$2"
}

# launch SERVER PORT: starts the server in its own process group; sets pid.
launch() {
  case $1 in
    weir) setsid "${server_pin[@]}" "$WORK/weir" models serve -m "$WORK/weir-model" --port "$2" >"$WORK/$1.log" 2>&1 & ;;
    weir-nopoll) setsid "${server_pin[@]}" "$WORK/weir" models serve -m "$WORK/weir-model" --port "$2" --busy-poll 0 >"$WORK/$1.log" 2>&1 & ;;
    weir-lgb) setsid "${server_pin[@]}" "$WORK/weir" models serve -m "$WORK/mlflow-model" --port "$2" >"$WORK/$1.log" 2>&1 & ;;
    weir-rf) setsid "${server_pin[@]}" "$WORK/weir" models serve -m "$WORK/sklearn-model" --port "$2" >"$WORK/$1.log" 2>&1 & ;;
    # mlflow runs uvicorn from PATH, so the virtualenv's bin goes first.
    mlflow) PATH="$(dirname "$PY"):$PATH" setsid "${server_pin[@]}" "$(dirname "$PY")/mlflow" models serve -m "$WORK/mlflow-model" -p "$2" -h 127.0.0.1 \
              --env-manager local >"$WORK/$1.log" 2>&1 & ;;
    mlflow-rf) PATH="$(dirname "$PY"):$PATH" setsid "${server_pin[@]}" "$(dirname "$PY")/mlflow" models serve -m "$WORK/sklearn-model" -p "$2" -h 127.0.0.1 \
              --env-manager local >"$WORK/$1.log" 2>&1 & ;;
  esac
  pid=$!
}

# stop: ends the server launched last.
stop() {
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  trap - EXIT
}

# Start-up: STARTS launches of each server, the median reported.
for server in $SERVERS; do
  times=()
  for i in $(seq 1 "${STARTS:-3}"); do
    port=$(free_port)
    start=$(date +%s%N)
    launch "$server" "$port"
    trap 'kill -- -'"$pid"' 2>/dev/null || true' EXIT
    times+=("$(wait_ready "http://127.0.0.1:$port" "$pid" "$start")")
    stop
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (${#times[@]} + 1) / 2 ))p")
  echo "{\"server\":\"$server\",\"startup_ms\":$ms,\"startups_ms\":[$(IFS=,; echo "${times[*]}")]}" > "$OUT/$server.jsonl"
  echo "$server ready in ${times[*]} ms (median $ms)" >&2
done

# Load: REPS rounds, each starting every server in turn and measuring it at
# every cell, so the servers take turns through the run and a slow spell of
# the shared machine falls on all of them; the report takes each cell's
# median over the rounds.
for rep in $(seq 1 "${REPS:-3}"); do
  for server in $SERVERS; do
    port=$(free_port)
    url="http://127.0.0.1:$port"
    launch "$server" "$port"
    trap 'kill -- -'"$pid"' 2>/dev/null || true' EXIT
    wait_ready "$url" "$pid" "$(date +%s%N)" >/dev/null
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

# The report covers every server measured so far, so one server can be rerun
# alone (SERVERS=weir) and the table still compares them all. Each Weir
# variant gets its throughput ratio to MLflow (higher is better) and MLflow's
# p99 over its own (how many times lower its p99 is; the bar wants 10).
"$PY" - "$OUT" <<'PYEOF'
import json, sys, os
out = sys.argv[1]
servers = [s for s in ("weir", "weir-nopoll", "weir-lgb", "mlflow", "weir-rf", "mlflow-rf") if os.path.exists(os.path.join(out, f"{s}.jsonl"))]
# Each Weir server is compared with the mlflow server of the same model.
baseline = {"weir": "mlflow", "weir-nopoll": "mlflow", "weir-lgb": "mlflow", "weir-rf": "mlflow-rf"}
runs = {}
startup = {}
for s in servers:
    for line in open(os.path.join(out, f"{s}.jsonl")):
        r = json.loads(line)
        if "startup_ms" in r:
            startup[s] = r["startup_ms"]
        else:
            runs.setdefault((s, r["rows"], r["concurrency"]), []).append(r)
def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
rows = {k: {"rps": median([r["rps"] for r in v]), "p50_ms": median([r["p50_ms"] for r in v]),
            "p99_ms": median([r["p99_ms"] for r in v]), "errors": sum(r["errors"] for r in v), "n": len(v)}
        for k, v in runs.items()}
ours = [s for s in servers if s in baseline]
ratios = [s for s in ours if baseline[s] in servers]
head = "| rows/request | clients | " + " | ".join(f"{s} req/s | {s} p50 ms | {s} p99 ms" for s in servers)
head += "".join(f" | {s}/{baseline[s]} req/s | {s}/{baseline[s]} p99" for s in ratios) + " |"
lines = [head, "|---|---|" + "---|---|---|" * len(servers) + "---|---|" * len(ratios)]
for n in sorted({k[1] for k in rows}):
    for c in sorted({k[2] for k in rows}):
        cells = []
        for s in servers:
            r = rows.get((s, n, c))
            cells.append("n/a | n/a | n/a" if r is None else f"{r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f}" + (f" ({r['errors']} errors)" if r["errors"] else ""))
        for s in ratios:
            a, m = rows.get((s, n, c)), rows.get((baseline[s], n, c))
            if a and m and m["rps"] and a["p99_ms"] and not a["errors"] and not m["errors"]:
                cells.append(f"{a['rps'] / m['rps']:.1f}x | {m['p99_ms'] / a['p99_ms']:.1f}x")
            else:
                cells.append(" | ")
        lines.append(f"| {n} | {c} | " + " | ".join(cells) + " |")
lines.append("")
lines.append("Each cell is the median of %s rounds (req/s, p50 and p99 separately); ratios are of the medians." % "/".join(sorted({str(v["n"]) for v in rows.values()})))
lines.append("")
lines.append("Start-up to first 200 on /ping (median): " + ", ".join(f"{s} {startup[s]} ms" for s in servers if s in startup) + ".")
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PYEOF
