#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: made in a directory of its own, listening only on
# 127.0.0.1 (a free port) and on a unix socket in that directory, with trust authentication and a
# superuser role `mocod` for the tests to connect as.
#
#   pg_cluster.sh check       exit 0 if the PostgreSQL server programs are installed
#   pg_cluster.sh start DIR   initdb + start in DIR (made if missing; must be empty); prints the
#                             base URL, e.g. postgresql://mocod@127.0.0.1:PORT (also in DIR/url)
#   pg_cluster.sh stop DIR    stop the cluster and remove DIR (only a DIR made by `start`)
#
# The server programs are looked up in MOCOD_PG_BINDIR, else in /usr/lib/postgresql/*/bin (the
# newest version), else on PATH. initdb refuses to run as root: as root, the cluster runs
# as the `postgres` system user (MOCOD_PG_USER), which gets DIR. fsync stays on (durability tests
# run against it). The server log is DIR/server.log.
#
#   dir=$(mktemp -d); url=$(tests/support/pg_cluster.sh start "$dir")
#   MOCOD_TEST_STORE=postgres MOCOD_TEST_PG=$url ctest --test-dir build -L api
#   tests/support/pg_cluster.sh stop "$dir"
set -euo pipefail

marker=.mocod-pg-cluster

die()
{
    echo "pg_cluster.sh: $*" >&2
    exit 1
}

find_bindir()
{
    local d best=""
    if [ -n "${MOCOD_PG_BINDIR:-}" ]; then
        [ -x "$MOCOD_PG_BINDIR/initdb" ] && [ -x "$MOCOD_PG_BINDIR/pg_ctl" ] || return 1
        echo "$MOCOD_PG_BINDIR"
        return 0
    fi
    while IFS= read -r d; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && best=$d
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [ -z "$best" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        best=$(dirname "$(readlink -f "$(command -v initdb)")")
    fi
    [ -n "$best" ] || return 1
    echo "$best"
}

# Run a command as the cluster's owner.
as_owner()
{
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

free_port()
{
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

start()
{
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    touch "$dir/$marker"
    if [ "$(id -u)" -eq 0 ]; then
        id "$owner" >/dev/null 2>&1 || die "running as root needs the system user $owner to run the cluster"
        chown "$owner:" "$dir"
        as_owner test -w "$dir" || die "$owner cannot write $dir (a parent directory not searchable?)"
    fi
    chmod 700 "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --no-locale -E UTF8 --auth=trust \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

    echo "include 'mocod-tests.conf'" | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
    local port
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        {
            echo "# mocod tests (tests/support/pg_cluster.sh); fsync stays on"
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $port"
            echo "unix_socket_directories = '$dir'"
            echo "max_connections = 300"
            echo "shared_buffers = 32MB"
            echo "max_wal_size = 1GB"
            echo "log_min_messages = warning"
        } | as_owner tee "$dir/data/mocod-tests.conf" >/dev/null
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            >/dev/null 2>&1; then
            break
        fi
        port=""
        # the port was taken meanwhile? then another one; anything else fails again
    done
    if [ -z "$port" ]; then
        tail -n 30 "$dir/server.log" >&2 || true
        die "the server did not start (log: $dir/server.log)"
    fi
    as_owner "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE mocod SUPERUSER LOGIN" >/dev/null ||
        die "cannot create the role mocod"
    local url="postgresql://mocod@127.0.0.1:$port"
    echo "$url" >"$dir/url"
    echo "$url"
}

stop()
{
    local dir=$1
    [ -d "$dir" ] || return 0
    [ -e "$dir/$marker" ] || die "$dir was not made by pg_cluster.sh start: not removing it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            echo "pg_cluster.sh: the server in $dir did not stop" >&2
    fi
    rm -rf "$dir"
}

owner=${MOCOD_PG_USER:-postgres}
cmd=${1:-}
if [ "$cmd" = check ]; then
    find_bindir >/dev/null
    exit
fi
[ $# -eq 2 ] || die "usage: pg_cluster.sh check | start DIR | stop DIR"
bindir=$(find_bindir) || die "PostgreSQL server programs (initdb, pg_ctl) not found; set MOCOD_PG_BINDIR"
psql=$bindir/psql
[ -x "$psql" ] || psql=psql
case "$cmd" in
start) start "$2" ;;
stop) stop "$2" ;;
*) die "usage: pg_cluster.sh check | start DIR | stop DIR" ;;
esac
