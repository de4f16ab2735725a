#!/usr/bin/env bash
# Runs a plain-HTTP OCI registry (Debian's docker-registry, the CNCF
# distribution server) on 127.0.0.1 for the oci tests.
#
#   tests/docker/registry.sh start DIR PORT   # prints the variables to export
#   tests/docker/registry.sh stop DIR
#
# DIR holds the blobs (DIR/data), the config, the log and the pid file.
# Install the registry with: apt-get install -y docker-registry
# Debian's package starts no service here (and must not: its default
# config listens on every interface); this script runs the binary itself
# with a config that listens on loopback only and needs no auth.
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2 port=${3:-}

case $cmd in
start)
	[ -n "$port" ] || usage
	bin=$(command -v docker-registry || true)
	[ -n "$bin" ] || { echo "docker-registry not found: apt-get install -y docker-registry" >&2; exit 1; }
	mkdir -p "$dir/data"
	if [ -f "$dir/registry.pid" ] && kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
		echo "registry already running with pid $(cat "$dir/registry.pid")" >&2
		exit 1
	fi
	cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
	nohup "$bin" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	echo $! >"$dir/registry.pid"
	# Wait until /v2/ answers 200, at most 15 s.
	for _ in $(seq 150); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 200 ]; then
			echo "export WEIR_TEST_REGISTRY=127.0.0.1:$port"
			exit 0
		fi
		if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
			echo "docker-registry exited; log:" >&2; cat "$dir/registry.log" >&2; exit 1
		fi
		sleep 0.1
	done
	echo "docker-registry did not answer on 127.0.0.1:$port in 15 s; log:" >&2
	cat "$dir/registry.log" >&2
	exit 1
	;;
stop)
	if [ -f "$dir/registry.pid" ]; then
		pid=$(cat "$dir/registry.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		rm -f "$dir/registry.pid"
	fi
	;;
*) usage ;;
esac
