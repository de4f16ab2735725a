#!/bin/sh
# replica.sh start DIR PRIMARY_PORT REPLICA_PORT | stop DIR | stop-replica DIR | start-replica DIR
#
# Runs a throwaway PostgreSQL primary and a streaming replica of it for the
# read-replica tests: the primary is initialised as postgres.sh does, the
# replica is copied from it with pg_basebackup -R (which writes
# standby.signal and primary_conninfo), and both listen on 127.0.0.1 only.
# "start" prints the export lines for WEIR_TEST_POSTGRES_URL (the primary)
# and WEIR_TEST_REPLICA_URL. As root the servers run as the "postgres" user
# (created if missing), which must be able to reach DIR.
#
# The primary keeps synchronous_commit on (fsync stays off): a commit is then
# in the WAL sent to the replica when the client hears of it, so a replica
# catches up with a write within milliseconds instead of after the WAL
# writer's next round.
set -eu

usage() { echo "usage: $0 start DIR PRIMARY_PORT REPLICA_PORT | stop DIR | stop-replica DIR | start-replica DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
case $cmd in
start)
	[ $# -eq 4 ] || usage
	pport=$3 rport=$4
	for p in "$pport" "$rport"; do
		case $p in ''|*[!0-9]*) echo "ports must be numbers, got '$p'" >&2; exit 2;; esac
	done
	;;
stop|stop-replica|start-replica) [ $# -eq 2 ] || usage ;;
*) usage ;;
esac

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && bindir=$d; done
fi
[ -n "$bindir" ] && [ -x "$bindir/postgres" ] && [ -x "$bindir/pg_basebackup" ] ||
	{ echo "no PostgreSQL server with pg_basebackup found (set PG_BINDIR)" >&2; exit 1; }

if [ "$cmd" != start ] && [ ! -d "$dir" ]; then exit 0; fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
primary=$dir/primary replica=$dir/replica

as() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh postgres
	chown postgres "$dir"
	as() { runuser -u postgres -- "$@"; }
	as test -w "$dir" || {
		echo "user postgres cannot reach $dir: make its parent directories searchable (chmod o+x, e.g. chmod 711 on a mktemp -d)" >&2
		exit 1
	}
fi

# pgctl starts the cluster in $1 on port $2 with the test settings.
pgctl_start() {
	as "$bindir/pg_ctl" -D "$1" -l "$1.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $2 -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200 -c hot_standby_feedback=on" \
		start >/dev/null || { tail -n 30 "$1.log" >&2; exit 1; }
}

stop_cluster() {
	[ -f "$1/postmaster.pid" ] || return 0
	as "$bindir/pg_ctl" -D "$1" -m fast -w stop >/dev/null
}

case $cmd in
start)
	echo "$rport" >"$dir/replica.port"
	if [ ! -f "$primary/PG_VERSION" ]; then
		as "$bindir/initdb" -D "$primary" -U weir --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	pgctl_start "$primary" "$pport"
	if ! as "$bindir/psql" -h 127.0.0.1 -p "$pport" -U weir -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'weir'" | grep -q 1; then
		as "$bindir/createdb" -h 127.0.0.1 -p "$pport" -U weir weir
	fi
	if [ ! -f "$replica/PG_VERSION" ]; then
		# -R writes standby.signal and the primary_conninfo that streams
		# from the primary; -X stream copies the WAL written meanwhile.
		as "$bindir/pg_basebackup" -h 127.0.0.1 -p "$pport" -U weir -D "$replica" -R -X stream -c fast --no-sync >"$dir/basebackup.log" 2>&1 ||
			{ cat "$dir/basebackup.log" >&2; exit 1; }
	fi
	pgctl_start "$replica" "$rport"
	echo "export WEIR_TEST_POSTGRES_URL='postgresql://weir@127.0.0.1:$pport/weir?sslmode=disable'"
	echo "export WEIR_TEST_REPLICA_URL='postgresql://weir@127.0.0.1:$rport/weir?sslmode=disable'"
	;;
stop-replica)
	stop_cluster "$replica"
	;;
start-replica)
	pgctl_start "$replica" "$(cat "$dir/replica.port")"
	;;
stop)
	stop_cluster "$replica"
	stop_cluster "$primary"
	;;
esac
