#!/usr/bin/env bash
# Side-by-side benchmark of MLflow-compatible tracking servers on loopback:
# weir server, mlflow server and FastTrackML, each on a fresh SQLite file in a
# temporary directory, driven in turn by the same Go load generator.
#
# Usage: bench/tracking/run.sh [OUT.md]      (default: bench/tracking/out/results.md)
#
# Environment:
#   PYTHON        Python with mlflow installed (default /work/venv/bin/python)
#   SERVERS       which servers, in order (default "weir mlflow fasttrackml")
#   CLIENTS       concurrent clients (default 8)
#   LOADGEN_ARGS  load-generator flags for weir and FastTrackML
#                 (default "-duration 5s -min-ops 100 -max-duration 20s")
#   MLFLOW_ARGS   load-generator flags for mlflow, which is far slower and
#                 can take minutes to start on a busy machine
#                 (default "-duration 5s -min-ops 100 -max-duration 20s -wait 5m")
#   BASE_OPS      issue #2's operations (default: all six; empty to run only EXTRA_OPS)
#   EXTRA_OPS     issue #3's opt-in operations, run for weir and mlflow only
#                 (default "upload1m,upload100m,download1m,download100m,search-models,search-versions";
#                 empty to skip them). FastTrackML gets issue #2's operations
#                 alone: it has no artifact proxy and no model registry.
#   TRACE_SEED    traces seeded for the opt-in trace search operations
#                 (search-traces, search-traces-tag in EXTRA_OPS; default 2000).
#                 mlflow's are written by seed_mlflow_traces.py through its own
#                 store (sending 100,000 over HTTP takes hours), weir's over HTTP.
#   FML_VENV      virtualenv for FastTrackML, created if missing
#                 (default bench/tracking/.venv-fml)
#   WEIR_FROM     "HEAD" (default) builds weir from the last commit, exported
#                 with git archive, so edits in progress in the work tree
#                 cannot break or skew the run; "worktree" builds the work tree
#
# The servers run one at a time, not together: an idle mlflow server keeps
# job-consumer processes polling, which would steal CPU from the server under
# test on a 2-core machine. Every process started here is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/work/venv/bin/python}
SERVERS=${SERVERS:-weir mlflow fasttrackml}
CLIENTS=${CLIENTS:-8}
LOADGEN_ARGS=${LOADGEN_ARGS:--duration 5s -min-ops 100 -max-duration 20s}
MLFLOW_ARGS=${MLFLOW_ARGS:--duration 5s -min-ops 100 -max-duration 20s -wait 5m}
FML_VENV=${FML_VENV:-$here/.venv-fml}
WEIR_FROM=${WEIR_FROM:-HEAD}
EXTRA_OPS=${EXTRA_OPS-upload1m,upload100m,download1m,download100m,search-models,search-versions}
BASE_OPS=${BASE_OPS-create-run,log-batch-10,log-batch-1000,log-batch-params,search-runs,metric-history}
ALL_OPS=$BASE_OPS${BASE_OPS:+${EXTRA_OPS:+,}}$EXTRA_OPS
FML_VERSION=0.6.0
SEARCH_RUNS=10000
HISTORY_POINTS=100000
TRACE_SEED=${TRACE_SEED:-2000}
out=${1:-$here/out/results.md}
outdir=$(dirname "$out")
mkdir -p "$outdir"
out=$(cd "$outdir" && pwd)/$(basename "$out")
outdir=$(dirname "$out")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench.XXXXXX")
mkdir -p "$tmp/bin"
current=""     # process group of the server running now; one at a time
loadgen_pid="" # the load generator while it runs

# stop_group ends one server's process group: TERM, up to 15 s for mlflow's
# workers to exit, then KILL.
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
	if [ -n "$loadgen_pid" ]; then
		kill -TERM "$loadgen_pid" 2>/dev/null || true
		wait "$loadgen_pid" 2>/dev/null || true
	fi
	if [ -n "$current" ]; then
		stop_group "$current"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run.sh: $*" >&2; }

# start NAME CMD...: starts a server in its own session, so that it and every
# worker it forks share one process group to stop; sets $pid.
start() {
	local name=$1
	shift
	setsid "$@" >"$tmp/$name.log" 2>&1 &
	pid=$!
	current=$pid
	log "$name started as pid $pid: $*"
}

log "building the load generator"
# The load generator shares the cores with the server it measures, so it is
# built with Go's newer JSON implementation (the same encoding/json API),
# which decodes a page of 100 traces in 40% of the time.
(cd "$root" && GOEXPERIMENT=jsonv2 go build -o "$tmp/bin/loadgen" ./bench/tracking)
loadgen=$tmp/bin/loadgen

# bench NAME PID PORT ARGS...: runs the load generator against one server.
bench() {
	local name=$1 pid=$2 port=$3
	shift 3
	log "measuring $name (progress below; full output in $outdir/$name.md)"
	# In the background, so that a signal reaches the trap at once instead
	# of after the load generator's last phase.
	"$loadgen" -url "http://127.0.0.1:$port" -label "$name" -pid "$pid" -clients "$CLIENTS" \
		-search-runs "$SEARCH_RUNS" -history-points "$HISTORY_POINTS" -trace-seed "$TRACE_SEED" \
		-json "$outdir/$name.json" "$@" >"$outdir/$name.md" &
	loadgen_pid=$!
	if wait "$loadgen_pid"; then
		measured+=("$name=$outdir/$name.json")
	else
		log "$name: the load generator failed; last lines of its server log:"
		tail -n 20 "$tmp/$name.log" >&2 || true
		notes+=("$name: not measured (the load generator failed; see the run's stderr).")
	fi
	loadgen_pid=""
	stop_group "$pid"
	# Forget the group at once: its number may later belong to someone else.
	current=""
}

run_weir() {
	local dir=$tmp/weir port src=$root rev
	mkdir -p "$dir/artifacts"
	case $WEIR_FROM in
	HEAD)
		rev=$(git -C "$root" rev-parse --short HEAD)
		src=$tmp/weir-src
		mkdir -p "$src"
		git -C "$root" archive HEAD | tar -x -C "$src"
		;;
	worktree) rev="$(git -C "$root" rev-parse --short HEAD) plus uncommitted work-tree changes" ;;
	*)
		log "WEIR_FROM must be HEAD or worktree, not $WEIR_FROM"
		exit 2
		;;
	esac
	log "building weir ($rev)"
	if ! (cd "$src" && go build -o "$tmp/bin/weir" ./cmd/weir) 2>"$tmp/weir-build.log"; then
		log "weir does not build; skipping it:"
		cat "$tmp/weir-build.log" >&2
		notes+=("weir: not measured, \`go build ./cmd/weir\` failed at $rev.")
		return
	fi
	versions+=("weir: commit $rev")
	port=$("$loadgen" -free-port)
	start weir "$tmp/bin/weir" server --host 127.0.0.1 --port "$port" \
		--backend-store-uri "sqlite:///$dir/weir.db" --artifacts-destination "$dir/artifacts"
	# shellcheck disable=SC2086
	bench weir "$pid" "$port" -ops "$ALL_OPS" $LOADGEN_ARGS
}

run_mlflow() {
	local dir=$tmp/mlflow port seeded
	mkdir -p "$dir/artifacts"
	versions+=("mlflow server: $("$PYTHON" -c 'import mlflow; print(mlflow.__version__)') (defaults: 4 uvicorn workers plus its job runner)")
	log "seeding mlflow's database with MLflow's own store (see seed_mlflow.py for why)"
	seeded=$("$PYTHON" "$here/seed_mlflow.py" "sqlite:///$dir/mlflow.db" "$dir/artifacts" \
		"$SEARCH_RUNS" "$HISTORY_POINTS" 2>"$tmp/mlflow-seed.log" | tail -n 1)
	local trace_args=()
	case ",$ALL_OPS," in
	*,search-traces,* | *,search-traces-tag,*)
		log "seeding mlflow's database with $TRACE_SEED traces through its own store (see seed_mlflow_traces.py)"
		trace_args=(-trace-exp "$("$PYTHON" "$here/seed_mlflow_traces.py" "sqlite:///$dir/mlflow.db" "$dir/artifacts" \
			"$TRACE_SEED" 2>>"$tmp/mlflow-seed.log" | tail -n 1)")
		;;
	esac
	port=$("$loadgen" -free-port)
	start mlflow "$PYTHON" -m mlflow server --host 127.0.0.1 --port "$port" \
		--backend-store-uri "sqlite:///$dir/mlflow.db" --artifacts-destination "$dir/artifacts"
	# shellcheck disable=SC2086
	bench mlflow "$pid" "$port" -search-exp "${seeded% *}" -history-run "${seeded#* }" "${trace_args[@]}" -ops "$ALL_OPS" $MLFLOW_ARGS
}

run_fasttrackml() {
	local dir=$tmp/fasttrackml port
	mkdir -p "$dir/artifacts"
	if [ ! -x "$FML_VENV/bin/fml" ]; then
		log "installing fasttrackml==$FML_VERSION into $FML_VENV"
		"$PYTHON" -m venv "$FML_VENV"
		# The wheel carries the fml server binary; its Python dependencies
		# (an MLflow 2 client and more) are not needed to run the server.
		"$FML_VENV/bin/pip" install -q --no-deps "fasttrackml==$FML_VERSION"
	fi
	versions+=("FastTrackML: $("$FML_VENV/bin/fml" --version 2>&1 | head -n 1) (defaults, log level info)")
	port=$("$loadgen" -free-port)
	start fasttrackml "$FML_VENV/bin/fml" server --listen-address "127.0.0.1:$port" \
		--database-uri "sqlite://$dir/fml.db" --default-artifact-root "$dir/artifacts"
	# shellcheck disable=SC2086
	bench fasttrackml "$pid" "$port" $LOADGEN_ARGS
}

measured=()
notes=()
versions=()
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for s in $SERVERS; do
	case $s in
	weir) run_weir ;;
	mlflow) run_mlflow ;;
	fasttrackml) run_fasttrackml ;;
	*)
		log "unknown server $s (known: weir mlflow fasttrackml)"
		exit 2
		;;
	esac
done
if [ ${#measured[@]} -eq 0 ]; then
	log "no server was measured"
	exit 1
fi

{
	echo "Measured $started with \`bench/tracking/run.sh\` on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo))."
	echo "Each server ran alone on loopback with a fresh SQLite file, its artifacts (--artifacts-destination) in the same"
	echo "temporary directory on one filesystem, driven by $CLIENTS concurrent clients;"
	echo "load-generator flags: weir and FastTrackML \`$LOADGEN_ARGS\`, mlflow \`$MLFLOW_ARGS\`."
	echo "Versions: $(IFS=';'; echo "${versions[*]}" | sed 's/;/; /g'); load generator $(go version | cut -d' ' -f3)."
	echo
	if [ -n "$EXTRA_OPS" ]; then
		echo "- Artifact and registry operations ($EXTRA_OPS): weir and mlflow only; FastTrackML has no artifact proxy or model registry to compare."
		echo
	fi
	if [ ${#notes[@]} -gt 0 ]; then
		for n in "${notes[@]}"; do echo "- $n"; done
		echo
	fi
	"$loadgen" -combine "$(IFS=,; echo "${measured[*]}")" -base weir
	echo
	echo "Per-server detail (machine load average before and after each):"
	echo
	for m in "${measured[@]}"; do
		p=${m#*=}
		sed 's/^### /#### /' "${p%.json}.md"
		echo
	done
} >"$out"
cat "$out"
log "wrote $out"
