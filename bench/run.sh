#!/usr/bin/env bash
# Benchmarks, rate limit off:
#   bench/run.sh [build-dir]            GET /api/v1/users?per_page=100 on 10,000 users
#   bench/run.sh [build-dir] projects   GET /api/v1/projects (100 per page, tasks and contracts
#                                       embedded) on 2,000 companies and 20,000 projects x 5 tasks
#   bench/run.sh [build-dir] units      POST /api/v1/units (bench/units_post.lua: a new team with a
#                                       unique name per request) at 1 and 16 connections
# Prints wrk results for 1 and 32 connections (units: 1 and 16).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
scenario=${2:-users}
"$root/scripts/deps.sh" --bench
[ -x "$build/mocod" ] || { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build "$build" -j"$(nproc)" >/dev/null; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=$("$build/mocod" init --db "$work/bench.sqlite" --account bench --email admin@bench.example --password bench-password)
"$build/mocod" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$port" --rate-limit off ${MOCOD_BENCH_ARGS:-} 2>/dev/null &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/api/v1/session" -H "Authorization: Token token=$key" >/dev/null && break; sleep 0.1; done
if [ "$scenario" = units ]; then
    url="http://127.0.0.1:$port/api/v1/units"
    post=(-s "$here/units_post.lua" -H "Authorization: Token token=$key")
    wrk -t1 -c1 -d3s "${post[@]}" "$url" >/dev/null # warm-up
    echo "== 1 connection"
    wrk -t1 -c1 -d10s --latency "${post[@]}" "$url"
    echo "== 16 connections, 1 wrk thread"
    wrk -t1 -c16 -d10s --latency "${post[@]}" "$url"
    echo "units: $(curl -s -D - -o /dev/null "$url" -H "Authorization: Token token=$key" | grep -i x-total)"
    exit 0
fi
echo "generating data ..." >&2
if [ "$scenario" = projects ]; then
    time python3 "$here/gen_data.py" --base-url "http://127.0.0.1:$port/api/v1" --key "$key" \
        --users 0 --companies "${BENCH_COMPANIES:-2000}" --projects "${BENCH_PROJECTS:-20000}" --tasks 5
    url="http://127.0.0.1:$port/api/v1/projects?per_page=100"
else
    time python3 "$here/gen_data.py" --base-url "http://127.0.0.1:$port/api/v1" --key "$key" --users "${BENCH_USERS:-10000}"
    url="http://127.0.0.1:$port/api/v1/users?per_page=100"
fi
echo "response size: $(curl -s "$url" -H "Authorization: Token token=$key" | wc -c) bytes"
curl -s -D - -o /dev/null "$url" -H "Authorization: Token token=$key" | grep -i x-total
wrk -t1 -c1 -d3s -H "Authorization: Token token=$key" "$url" >/dev/null # warm-up
echo "== 1 connection"
wrk -t1 -c1 -d10s --latency -H "Authorization: Token token=$key" "$url"
# wrk shares the machine's cores with mocod: one wrk thread leaves mocod more of them
echo "== 32 connections, 1 wrk thread"
wrk -t1 -c32 -d10s --latency -H "Authorization: Token token=$key" "$url"
echo "== 32 connections, 2 wrk threads"
wrk -t2 -c32 -d10s --latency -H "Authorization: Token token=$key" "$url"
