#!/bin/sh
# postgres.sh start|stop DIR PORT
#
# Runs a throwaway PostgreSQL server for Weir's tests: the cluster, its log and
# its socket all live in DIR, it listens on 127.0.0.1:PORT only, and "start"
# prints the export line for WEIR_TEST_POSTGRES_URL. PostgreSQL refuses to run
# as root, so when run as root the server runs as the "postgres" user (created
# if missing) and DIR is handed to that user.
set -eu

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[ $# -eq 3 ] || usage
cmd=$1 dir=$2 port=$3
case $port in ''|*[!0-9]*) echo "PORT must be a number, got '$port'" >&2; exit 2;; esac

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && bindir=$d; done
fi
[ -n "$bindir" ] && [ -x "$bindir/postgres" ] || { echo "no PostgreSQL server found (set PG_BINDIR)" >&2; exit 1; }

if [ "$cmd" = stop ] && [ ! -d "$dir" ]; then exit 0; fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data

# as runs a command as the server's user: ourselves, or postgres when root.
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

case $cmd in
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		as "$bindir/initdb" -D "$data" -U weir --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	# fsync off: the data is thrown away after the tests; durability would only
	# make them slower.
	as "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
	if ! as "$bindir/psql" -h 127.0.0.1 -p "$port" -U weir -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'weir'" | grep -q 1; then
		as "$bindir/createdb" -h 127.0.0.1 -p "$port" -U weir weir
	fi
	echo "export WEIR_TEST_POSTGRES_URL='postgresql://weir@127.0.0.1:$port/weir?sslmode=disable'"
	;;
stop)
	[ -f "$data/postmaster.pid" ] || exit 0
	as "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	;;
*) usage ;;
esac
