#!/usr/bin/env bash
# Issue 14's bar: with authentication on, the tracking benchmark stays within
# 10% of its figures with it off. Runs the same load generator against two
# fresh weir servers in turn, one plain and one with --app-name basic-auth
# (every request then carries HTTP basic auth and is checked against the
# caller's permissions), ROUNDS times alternating, and prints the table of
# the best round of each with auth-on / auth-off ratios.
#
# Usage: bench/tracking/auth.sh [OUT.md]   (default: bench/tracking/out/auth.md)
# Environment: ROUNDS (3), CLIENTS (8), LOADGEN_ARGS (shorter seeds and runs
# than run.sh's: "-duration 3s -min-ops 100 -max-duration 10s -search-runs 2000 -history-points 20000")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-8}
LOADGEN_ARGS=${LOADGEN_ARGS:--duration 3s -min-ops 100 -max-duration 10s -search-runs 2000 -history-points 20000}
out=${1:-$here/out/auth.md}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-auth-bench.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/weir" ./cmd/weir && go build -o "$tmp/loadgen" ./bench/tracking)
export WEIR_AUTH_ADMIN_PASSWORD=bench-admin-password MLFLOW_TRACKING_PASSWORD=bench-admin-password

run() { # mode round
	local mode=$1 round=$2 port dir
	port=$("$tmp/loadgen" -free-port)
	dir="$tmp/$mode-$round"
	mkdir -p "$dir"
	local auth=() user=()
	if [ "$mode" = auth-on ]; then auth=(--app-name basic-auth); user=(-user admin); fi
	"$tmp/weir" server --port "$port" --backend-store-uri "sqlite:///$dir/weir.db" \
		--artifacts-destination "$dir/artifacts" "${auth[@]}" >"$dir/server.log" 2>&1 &
	server=$!
	# shellcheck disable=SC2086
	"$tmp/loadgen" -url "http://127.0.0.1:$port" -label "$mode" -clients "$CLIENTS" -pid "$server" \
		-json "$dir/result.json" "${user[@]}" $LOADGEN_ARGS >"$dir/loadgen.log" 2>&1 ||
		{ echo "load generator failed for $mode round $round:"; tail -20 "$dir/loadgen.log"; exit 1; }
	kill "$server"; wait "$server" 2>/dev/null || true; server=""
	echo "$mode round $round done" >&2
}

files=()
for round in $(seq "$ROUNDS"); do
	for mode in auth-off auth-on; do
		run "$mode" "$round"
		files+=("$mode-r$round=$tmp/$mode-$round/result.json")
	done
done
{
	echo "# Authentication on vs off ($(date -u +%Y-%m-%d), $CLIENTS clients, $ROUNDS rounds alternating)"
	echo
	echo "\`ROUNDS=$ROUNDS bench/tracking/auth.sh\`; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	for round in $(seq "$ROUNDS"); do
		echo "## Round $round"
		echo
		"$tmp/loadgen" -combine "auth-on=$tmp/auth-on-$round/result.json,auth-off=$tmp/auth-off-$round/result.json" \
			-base auth-on -bars "auth-off=0.9" -artifact-bars "" -bar-rss-mb 1000
		echo
	done
} | tee "$out"
