#!/usr/bin/env bash
# Scaling curves (issue 17): for each engine and size, generate a Weir store
# and an MLflow store with the same data, start each server alone on its
# store, time it with `scale bench`, stop it, and print the side-by-side
# tables of `scale report`.
#
# Usage: bench/scale/run.sh [OUTDIR]          (default: bench/scale/out)
#
# Environment:
#   PYTHON       Python with mlflow (default /work/main/.venv/bin/python)
#   PYLIB        extra PYTHONPATH for mlflow on PostgreSQL (psycopg2), e.g. a
#                `pip install --target DIR psycopg2-binary`; empty: none
#   ENGINES      "sqlite postgresql" (default)
#   SIZES        RUNS:POINTS pairs (default "10000:10000 100000:1000000 1000000:10000000")
#   SERVERS      "weir mlflow" (default)
#   PG_URL       base URL of a PostgreSQL server whose user may create
#                databases and is a superuser (the loads skip FK triggers);
#                default: start one with tests/postgres/postgres.sh in WORK
#   WORK         where stores go (default: a mktemp -d under /tmp, removed)
#   WEIR_ARGS    scale bench flags for weir (default "-reps 50 -max-time 60s")
#   MLFLOW_ARGS  scale bench flags for mlflow per size, as RUNS=FLAGS;... (default
#                below: fewer calls and no warm-up at the big sizes, where one
#                call takes minutes)
#   MLFLOW_SKIP  ops not run for mlflow at a size, RUNS=op,op;... (default:
#                none)
# A JSON file per (engine, size, server) is left in OUTDIR; `scale report
# OUTDIR/*.json` prints the tables again, with any JSON kept from an earlier
# run (mlflow's numbers do not depend on Weir's code).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/work/main/.venv/bin/python}
PYLIB=${PYLIB:-}
ENGINES=${ENGINES:-sqlite postgresql}
SIZES=${SIZES:-10000:10000 100000:1000000 1000000:10000000}
SERVERS=${SERVERS:-weir mlflow}
WEIR_ARGS=${WEIR_ARGS:--reps 50 -max-time 60s}
MLFLOW_ARGS=${MLFLOW_ARGS:-10000=-reps 20 -max-time 60s;100000=-reps 5 -warmup 1 -max-time 120s;1000000=-reps 2 -warmup 0 -max-time 60s}
MLFLOW_SKIP=${MLFLOW_SKIP:-}
out=${1:-$here/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)

own_work=""
if [ -z "${WORK:-}" ]; then
	WORK=$(mktemp -d /tmp/weir-scale.XXXXXX)
	own_work=$WORK
fi
chmod 711 "$WORK"
mkdir -p "$WORK/bin" "$WORK/artifacts"
current="" # process group of the server running now
pg_started=""

log() { echo "run.sh: $*" >&2; }

stop_group() {
	local g=$1
	kill -TERM -- "-$g" 2>/dev/null || return 0
	for _ in $(seq 30); do
		kill -0 -- "-$g" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -KILL -- "-$g" 2>/dev/null || true
	wait "$g" 2>/dev/null || true
}

cleanup() {
	if [ -n "$current" ]; then stop_group "$current"; fi
	if [ -n "$pg_started" ]; then "$root/tests/postgres/postgres.sh" stop "$WORK/pg" "$pg_port" || true; fi
	if [ -n "$own_work" ]; then rm -rf "$own_work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building weir and the scale tool from the work tree at $(git -C "$root" rev-parse --short HEAD)"
(cd "$root" && go build -o "$WORK/bin/weir" ./cmd/weir && go build -o "$WORK/bin/scale" ./bench/scale)
scale=$WORK/bin/scale

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ " $ENGINES " == *" postgresql "* ]] && [ -z "${PG_URL:-}" ]; then
	pg_port=$(free_port)
	eval "$("$root/tests/postgres/postgres.sh" start "$WORK/pg" "$pg_port")"
	pg_started=1
	PG_URL=${WEIR_TEST_POSTGRES_URL%%\?*}
	PG_URL=${PG_URL%/*}
fi

# store_uri ENGINE NAME: a fresh, empty database for one store.
store_uri() {
	local engine=$1 name=$2
	if [ "$engine" = sqlite ]; then
		rm -f "$WORK/$name.db" "$WORK/$name.db-wal" "$WORK/$name.db-shm"
		echo "sqlite:///$WORK/$name.db"
		return
	fi
	psql_admin "DROP DATABASE IF EXISTS $name" >/dev/null
	psql_admin "CREATE DATABASE $name" >/dev/null
	echo "$PG_URL/$name"
}

psql_admin() { psql -q -X -d "$PG_URL/postgres" -c "$1"; }

drop_store() {
	local engine=$1 name=$2
	if [ "$engine" = sqlite ]; then
		rm -f "$WORK/$name.db" "$WORK/$name.db-wal" "$WORK/$name.db-shm"
	else
		psql_admin "DROP DATABASE IF EXISTS $name" >/dev/null
	fi
}

# per_size LIST RUNS: the value for RUNS in a "RUNS=VALUE;..." list.
per_size() {
	local item
	IFS=';' read -ra items <<<"$1"
	for item in "${items[@]}"; do
		if [ "${item%%=*}" = "$2" ]; then
			echo "${item#*=}"
			return
		fi
	done
}

# measure SERVER ENGINE RUNS POINTS
measure() {
	local server=$1 engine=$2 runs=$3 points=$4 name uri port args skip
	name=${server}_${engine:0:2}_$runs
	uri=$(store_uri "$engine" "$name")
	if [ "$server" = mlflow ]; then
		uri=${uri/#postgresql:/postgresql+psycopg2:} # SQLAlchemy would look for psycopg 3
		log "$name: mlflow db upgrade"
		PYTHONPATH=$PYLIB "$PYTHON" -m mlflow db upgrade "$uri" >"$WORK/$name-upgrade.log" 2>&1
	fi
	log "$name: generating $runs runs and $points history points"
	/usr/bin/time -f "%e s" -o "$WORK/$name-gen.time" "$scale" gen -schema "$server" -uri "$uri" -runs "$runs" -points "$points" 2>"$WORK/$name-gen.log"
	log "$name: generated in $(cat "$WORK/$name-gen.time")"
	port=$(free_port)
	if [ "$server" = weir ]; then
		setsid "$WORK/bin/weir" server --host 127.0.0.1 --port "$port" --backend-store-uri "$uri" \
			--artifacts-destination "$WORK/artifacts" >"$WORK/$name.log" 2>&1 &
		args=$WEIR_ARGS
	else
		PYTHONPATH=$PYLIB setsid "$PYTHON" -m mlflow server --workers 1 --host 127.0.0.1 --port "$port" \
			--backend-store-uri "$uri" --artifacts-destination "$WORK/artifacts" >"$WORK/$name.log" 2>&1 &
		args=$(per_size "$MLFLOW_ARGS" "$runs")
		skip=$(per_size "$MLFLOW_SKIP" "$runs")
		[ -n "$skip" ] && args="$args -skip $skip"
	fi
	current=$!
	# shellcheck disable=SC2086
	if ! "$scale" bench -url "http://127.0.0.1:$port" -server "$server" -engine "$engine" -runs "$runs" -points "$points" \
		-db "$uri" -json "$out/$name.json" $args >/dev/null; then
		log "$name: bench failed; last lines of the server's log:"
		tail -n 20 "$WORK/$name.log" >&2 || true
	fi
	stop_group "$current"
	current=""
	drop_store "$engine" "$name"
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
for size in $SIZES; do
	for engine in $ENGINES; do
		for server in $SERVERS; do
			measure "$server" "$engine" "${size%%:*}" "${size#*:}"
		done
	done
done
{
	echo "Measured from $started to $(date -u '+%H:%M UTC') with \`bench/scale/run.sh\` at $(git -C "$root" rev-parse --short HEAD) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo))."
	echo "mlflow $("$PYTHON" -c 'import mlflow; print(mlflow.__version__)') with --workers 1; weir flags: \`$WEIR_ARGS\`; mlflow flags by size: \`$MLFLOW_ARGS\`."
	echo
	"$scale" report "$out"/*.json
} >"$out/results.md"
cat "$out/results.md"
