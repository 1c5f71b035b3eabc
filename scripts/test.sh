#!/usr/bin/env bash
# Builds mocod and runs the whole test suite (unit tests and HTTP tests against the real binary) on
# SQLite, then the HTTP tests (ctest label api) once more on PostgreSQL.
#   scripts/test.sh [CTEST ARGS]              normal build in build/
#   scripts/test.sh --sanitize [CTEST ARGS]   AddressSanitizer + UndefinedBehaviorSanitizer build
#                                             in build-asan/
# CTEST ARGS (e.g. -R api_test_units) go to every ctest run.
#
# MOCOD_TEST_STORES: the stores to run on, comma-separated (default sqlite,postgres):
#   sqlite    every test, on SQLite files
#   postgres  the API tests on a private PostgreSQL cluster that this script starts in a temporary
#             directory (tests/support/pg_cluster.sh) and removes at exit, also on failure; each
#             test server gets a database of its own there (MOCOD_TEST_STORE=postgres,
#             MOCOD_TEST_PG=<its URL>; see tests/support/mt.h)
# Without the PostgreSQL server programs (scripts/deps.sh installs them) the default leaves
# postgres out with a note; asked for in MOCOD_TEST_STORES, their absence is an error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
build="$root/build"
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
    shift
    build="$root/build-asan"
    flags=(-DCMAKE_BUILD_TYPE=Debug -DMOCOD_SANITIZE=ON)
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
ctest_args=("$@")

on_sqlite=false
on_postgres=false
IFS=, read -ra stores <<<"${MOCOD_TEST_STORES:-sqlite,postgres}"
for store in "${stores[@]}"; do
    case "$store" in
    sqlite) on_sqlite=true ;;
    postgres | postgresql | pg) on_postgres=true ;;
    "") ;;
    *)
        echo "test.sh: MOCOD_TEST_STORES: unknown store '$store' (sqlite, postgres)" >&2
        exit 2
        ;;
    esac
done
pg_cluster="$root/tests/support/pg_cluster.sh"
if $on_postgres && ! "$pg_cluster" check; then
    if [ -n "${MOCOD_TEST_STORES:-}" ]; then
        echo "test.sh: PostgreSQL server programs (initdb, pg_ctl) not found" >&2
        exit 1
    fi
    echo "test.sh: note: PostgreSQL is not installed: the API tests run on SQLite only" >&2
    on_postgres=false
fi

cmake -S "$root" -B "$build" "${flags[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"

failed=()
if $on_sqlite; then
    echo "== all tests on SQLite" >&2
    env -u MOCOD_TEST_STORE -u MOCOD_TEST_PG \
        ctest --output-on-failure -j"$(nproc)" "${ctest_args[@]}" || failed+=(SQLite)
fi
if $on_postgres; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/mocod-pg-XXXXXX")
    trap '"$pg_cluster" stop "$pg_dir"' EXIT
    trap 'exit 130' INT TERM HUP
    pg_url=$("$pg_cluster" start "$pg_dir")
    echo "== API tests on PostgreSQL ($pg_url, a cluster in $pg_dir)" >&2
    MOCOD_TEST_STORE=postgres MOCOD_TEST_PG=$pg_url \
        ctest --output-on-failure -j"$(nproc)" -L api "${ctest_args[@]}" || failed+=(PostgreSQL)
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: tests failed on ${failed[*]}" >&2
    exit 1
fi
