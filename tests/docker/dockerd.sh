#!/usr/bin/env bash
# Runs a private Docker daemon for the oci tests: its own socket, data root
# and exec root under DIR, so it touches no other daemon's state. Nothing is
# pulled from the internet; the tests only load FROM-scratch images.
#
#   tests/docker/dockerd.sh start DIR   # prints the variables to export
#   tests/docker/dockerd.sh stop DIR
#
# Keep DIR short (e.g. /tmp/weir-dockerd): the daemon's containerd socket
# lives under it and unix socket paths are limited to 108 bytes.
# Install the daemon with: apt-get install -y docker.io
# start exits 1, printing the reason and the daemon's log, when dockerd
# cannot start here (no privileges, no cgroups, no storage driver...).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
sock=$dir/docker.sock

case $cmd in
start)
	bin=$(command -v dockerd || true)
	[ -n "$bin" ] || { echo "dockerd not found: apt-get install -y docker.io" >&2; exit 1; }
	command -v docker >/dev/null || { echo "docker CLI not found: apt-get install -y docker.io" >&2; exit 1; }
	mkdir -p "$dir"
	if [ -f "$dir/weir-dockerd.pid" ] && kill -0 "$(cat "$dir/weir-dockerd.pid")" 2>/dev/null; then
		echo "dockerd already running with pid $(cat "$dir/weir-dockerd.pid")" >&2
		exit 1
	fi
	# dockerd writes and checks --pidfile itself (and refuses to start when
	# it exists), so our record of the pid is a file of its own.
	rm -f "$dir/dockerd.pid"
	nohup "$bin" -H "unix://$sock" --data-root "$dir/data" --exec-root "$dir/x" \
		--pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
	echo $! >"$dir/weir-dockerd.pid"
	# Wait until the daemon answers, at most 60 s (it starts containerd).
	for _ in $(seq 300); do
		if docker -H "unix://$sock" version >/dev/null 2>&1; then
			echo "export WEIR_TEST_DOCKER_HOST=unix://$sock"
			exit 0
		fi
		if ! kill -0 "$(cat "$dir/weir-dockerd.pid")" 2>/dev/null; then
			echo "dockerd exited during start; last lines of its log:" >&2
			tail -n 30 "$dir/dockerd.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	echo "dockerd did not answer on $sock in 60 s; last lines of its log:" >&2
	tail -n 30 "$dir/dockerd.log" >&2
	exit 1
	;;
stop)
	if [ -S "$sock" ]; then
		# Remove leftover containers so their shims exit with the daemon.
		ids=$(docker -H "unix://$sock" ps -aq 2>/dev/null || true)
		[ -z "$ids" ] || docker -H "unix://$sock" rm -f $ids >/dev/null 2>&1 || true
	fi
	if [ -f "$dir/weir-dockerd.pid" ]; then
		pid=$(cat "$dir/weir-dockerd.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		rm -f "$dir/weir-dockerd.pid"
	fi
	# dockerd bind-mounts its data root and, if it dies uncleanly, leaves
	# the mount behind, which would stop DIR from being removed.
	if grep -q " $dir/data " /proc/mounts 2>/dev/null; then
		umount "$dir/data" 2>/dev/null || true
	fi
	;;
*) usage ;;
esac
