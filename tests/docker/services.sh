#!/usr/bin/env bash
# Starts what the image tests use, for CI: a loopback registry (always) and a
# private dockerd (when it can start here), and prints the variables to
# export. A dockerd that cannot start is reported on stderr and is not an
# error: the docker tests then skip.
#
#   eval "$(tests/docker/services.sh start DIR)"
#   tests/docker/services.sh stop DIR
#
# Keep DIR short (see dockerd.sh). Installs nothing; CI installs with
#   apt-get install -y docker.io docker-registry
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)

case $cmd in
start)
	mkdir -p "$dir"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$here/registry.sh" start "$dir/registry" "$port"
	if ! "$here/dockerd.sh" start "$dir/d"; then
		echo "note: dockerd could not start (reason above); the docker image tests will skip" >&2
	fi
	;;
stop)
	"$here/dockerd.sh" stop "$dir/d" || true
	"$here/registry.sh" stop "$dir/registry" || true
	;;
*) usage ;;
esac
