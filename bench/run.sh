#!/usr/bin/env bash
# Benchmarks, rate limit off:
#   bench/run.sh [build-dir]            GET /api/v1/users?per_page=100 on 10,000 users
#   bench/run.sh [build-dir] projects   GET /api/v1/projects (100 per page, tasks and contracts
#                                       embedded) on 2,000 companies and 20,000 projects x 5 tasks
#   bench/run.sh [build-dir] units      POST /api/v1/units (bench/units_post.lua: a new team with a
#                                       unique name per request) at 1 and 16 connections
#   bench/run.sh [build-dir] mixed      4 reads (the users page) to 1 write (a new unit) on 2,000
#                                       users, 16 connections, through BENCH_PROCS processes (1 or
#                                       2, one wrk per process) on one database
#   bench/run.sh [build-dir] activities 1,000,000 activities of 200 people on 2,000 projects,
#                                       made through POST /activities/bulk (bench/gen_activities.py,
#                                       timed); then, response cache off: a month of one person's
#                                       activities (100 per page) at 1 and 32 connections,
#                                       POST /activities at 1 and 16, and bulks of 1,000 at 1
#                                       (BENCH_ACTIVITIES, BENCH_USERS, BENCH_PROJECTS scale it)
#   bench/run.sh [build-dir] expenses   issue 13 (bench/expenses.py): 100,000 project expenses
#                                       on 200 projects through POST /projects/{id}/expenses/bulk
#                                       (1,000 each, timed), 50,000 purchases of 2-3 items through
#                                       POST /purchases from 4 processes (timed); then, response
#                                       cache off, at 1 and 8 connections: GET /projects/expenses
#                                       (100 per page) page 1, page 500 and one month; GET
#                                       /purchases (100 per page) page 1 and one month's pending
#                                       (BENCH_EXPENSES, BENCH_PURCHASES, BENCH_PROJECTS scale it;
#                                       BENCH_PERF=FILE: perf record -g of mocod during the first
#                                       list at 8 connections, into FILE)
#   bench/run.sh [build-dir] invoices   an invoice of 50 items on a letter paper for invoices
#                                       (bench/invoices.py): GET /invoices/{id}.pdf at 1 and 8
#                                       connections (the PDF checked once by qpdf and pdfinfo);
#                                       then 5 rounds of a bulk of 1,000 activities and the
#                                       invoice that bills them (its create timed), and the
#                                       last one's timesheet (JSON, 1,000 per page) and
#                                       timesheet.pdf (BENCH_PERF=FILE: perf record -g of mocod
#                                       during the PDFs at 8 connections, into FILE)
#   bench/run.sh [build-dir] reports    issue 14: the activities scenario's data
#                                       (bench/gen_activities.py, same BENCH_* knobs), then
#                                       BENCH_INVOICES (20,000) invoices of one item from
#                                       BENCH_PROCS (4) processes (bench/reports.py); then,
#                                       response cache off, at 1 and 8 connections:
#                                       /report/utilization and /report/planned_vs_tracked for
#                                       2025 and /projects/{id}/report of the project with the
#                                       most activities; last, the time of one `mocod migrate`
#                                       that makes the activities' totals anew (BENCH_KEEP_DB=FILE:
#                                       a copy of the SQLite file, for EXPLAIN QUERY PLAN)
# Prints wrk results for 1 and 32 connections (units: 1 and 16).
#
# The store: BENCH_STORE=sqlite (default) or BENCH_STORE=postgres, a private PostgreSQL cluster
# (tests/support/pg_cluster.sh) on loopback, made and removed by this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
scenario=${2:-users}
"$root/scripts/deps.sh" --bench
[ -x "$build/mocod" ] || { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build "$build" -j"$(nproc)" >/dev/null; }
work=$(mktemp -d)
pids=()
cleanup()
{
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${pgdir:-}" ] && "$root/tests/support/pg_cluster.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
db="$work/bench.sqlite"
if [ "${BENCH_STORE:-sqlite}" = postgres ]; then
    pgdir=$(mktemp -d)
    base=$("$root/tests/support/pg_cluster.sh" start "$pgdir")
    psql -q "$base/postgres" -c "CREATE DATABASE bench" >/dev/null
    db="$base/bench"
    "$build/mocod" secret > "$work/secret"
    export MOCOD_SECRET_FILE="$work/secret"
fi
echo "store: ${BENCH_STORE:-sqlite} ($db)" >&2
port=$(free_port)
key=$("$build/mocod" init --db "$db" --account bench --email admin@bench.example --password bench-password)
serve() { "$build/mocod" serve --db "$db" --listen "127.0.0.1:$1" --rate-limit off ${MOCOD_BENCH_ARGS:-} 2>/dev/null & pids+=($!); }
stop_servers() { for p in "${pids[@]}"; do kill "$p"; done; wait 2>/dev/null || true; pids=(); }
wait_up() { for _ in $(seq 50); do curl -fs "http://127.0.0.1:$1/api/v1/session" -H "Authorization: Token token=$key" >/dev/null && break; sleep 0.1; done; }
serve "$port"
wait_up "$port"
if [ "$scenario" = mixed ]; then
    echo "generating data ..." >&2
    python3 "$here/gen_data.py" --base-url "http://127.0.0.1:$port/api/v1" --key "$key" --users "${BENCH_USERS:-2000}" >/dev/null
    ports=("$port")
    if [ "${BENCH_PROCS:-1}" = 2 ]; then
        ports+=("$(free_port)")
        serve "${ports[1]}"
        wait_up "${ports[1]}"
    fi
    conns=$((16 / ${#ports[@]}))
    for p in "${ports[@]}"; do # warm-up
        wrk -t1 -c1 -d2s -s "$here/mixed.lua" -H "Authorization: Token token=$key" "http://127.0.0.1:$p" >/dev/null
    done
    echo "== ${#ports[@]} process(es), 16 connections in all ($conns per process, one wrk each)"
    i=0
    wrks=()
    for p in "${ports[@]}"; do
        i=$((i + 1))
        MIXED_TAG="p$i" wrk -t1 -c"$conns" -d10s --latency -s "$here/mixed.lua" \
            -H "Authorization: Token token=$key" "http://127.0.0.1:$p" > "$work/wrk.$i" &
        wrks+=($!)
    done
    for w in "${wrks[@]}"; do wait "$w"; done
    total=0
    for f in "$work"/wrk.*; do
        cat "$f"
        rps=$(awk '/Requests\/sec/ {print $2}' "$f")
        total=$(python3 -c "print(round($total + $rps))")
    done
    echo "requests/s in all: $total"
    exit 0
fi
if [ "$scenario" = activities ]; then
    echo "generating data ..." >&2
    gen=$(python3 "$here/gen_activities.py" --base-url "http://127.0.0.1:$port/api/v1" --key "$key" \
        --users "${BENCH_USERS:-200}" --projects "${BENCH_PROJECTS:-2000}" \
        --activities "${BENCH_ACTIVITIES:-1000000}")
    echo "$gen"
    user=$(echo "$gen" | sed -n 's/.*bench_user=\([0-9]*\).*/\1/p')
    month=$(echo "$gen" | sed -n 's/.*month=\([0-9-]*\).*/\1/p')
    # the same server without the response cache: every request counts and renders afresh
    stop_servers
    MOCOD_BENCH_ARGS="${MOCOD_BENCH_ARGS:-} --response-cache 0" serve "$port"
    wait_up "$port"
    auth=(-H "Authorization: Token token=$key")
    url="http://127.0.0.1:$port/api/v1/activities?from=$month-01&to=$month-31&user_id=$user"
    echo "list: $url"
    echo "response size: $(curl -s "$url" "${auth[@]}" | wc -c) bytes"
    curl -s -D - -o /dev/null "$url" "${auth[@]}" | grep -i x-total
    wrk -t1 -c1 -d3s "${auth[@]}" "$url" >/dev/null # warm-up
    echo "== list, 1 connection"
    wrk -t1 -c1 -d10s --latency "${auth[@]}" "$url"
    echo "== list, 32 connections, 1 wrk thread"
    wrk -t1 -c32 -d10s --latency "${auth[@]}" "$url"
    # one activity of the person on one of their projects (as the list shows it)
    curl -s "$url&per_page=1" "${auth[@]}" | python3 -c '
import json, sys
a = json.load(sys.stdin)[0]
one = {"date": a["date"], "project_id": a["project"]["id"], "task_id": a["task"]["id"],
       "seconds": 1800, "description": "Benchmark"}
json.dump(one, open(sys.argv[1], "w"))
json.dump({"activities": [one] * 1000}, open(sys.argv[2], "w"))' "$work/one.json" "$work/bulk.json"
    imp=(-H "X-IMPERSONATE-USER-ID: $user")
    post="http://127.0.0.1:$port/api/v1/activities"
    echo "== POST /activities, 1 connection"
    BODY_FILE="$work/one.json" wrk -t1 -c1 -d10s --latency -s "$here/post_body.lua" "${auth[@]}" "${imp[@]}" "$post"
    echo "== POST /activities, 16 connections"
    BODY_FILE="$work/one.json" wrk -t1 -c16 -d10s --latency -s "$here/post_body.lua" "${auth[@]}" "${imp[@]}" "$post"
    echo "== POST /activities/bulk (1,000 activities each), 1 connection"
    BODY_FILE="$work/bulk.json" wrk -t1 -c1 -d10s --latency -s "$here/post_body.lua" "${auth[@]}" "${imp[@]}" "$post/bulk"
    exit 0
fi
if [ "$scenario" = expenses ]; then
    base_url="http://127.0.0.1:$port/api/v1"
    echo "generating data ..." >&2
    echo "machine: $(uptime)"
    gen=$(python3 "$here/expenses.py" expenses --base-url "$base_url" --key "$key" \
        --projects "${BENCH_PROJECTS:-200}" --expenses "${BENCH_EXPENSES:-100000}")
    echo "$gen"
    month=$(echo "$gen" | sed -n 's/^month=\([0-9-]*\).*/\1/p')
    echo "machine: $(uptime)"
    gen=$(python3 "$here/expenses.py" purchases --base-url "$base_url" --key "$key" \
        --purchases "${BENCH_PURCHASES:-50000}" --procs 4)
    echo "$gen"
    pmonth=$(echo "$gen" | sed -n 's/^month=\([0-9-]*\).*/\1/p')
    echo "machine: $(uptime)"
    # the same server without the response cache: every request counts and renders afresh
    stop_servers
    MOCOD_BENCH_ARGS="${MOCOD_BENCH_ARGS:-} --response-cache 0" serve "$port"
    wait_up "$port"
    auth=(-H "Authorization: Token token=$key")
    summary=()
    first=1
    bench_list()
    {
        local name=$1 url=$2 c out
        echo "== $name: $url"
        echo "response size: $(curl -s "$url" "${auth[@]}" | wc -c) bytes," \
            "$(curl -s -D - -o /dev/null "$url" "${auth[@]}" | grep -i x-total | tr -d '\r')"
        wrk -t1 -c1 -d2s "${auth[@]}" "$url" >/dev/null # warm-up
        for c in 1 8; do
            echo "-- $c connection(s), 1 wrk thread"
            if [ "$c" = 8 ] && [ -n "${BENCH_PERF:-}" ] && [ "$first" = 1 ]; then
                perf record -g -o "$BENCH_PERF" -p "${pids[0]}" -- sleep 10 2>/dev/null &
                perfpid=$!
            fi
            out=$(wrk -t1 -c"$c" -d10s --latency "${auth[@]}" "$url")
            echo "$out"
            if [ -n "${perfpid:-}" ]; then wait "$perfpid"; perfpid=; fi
            summary+=("$(printf '%-34s %d conn: %8s req/s, median %s' "$name" "$c" \
                "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
                "$(echo "$out" | awk '$1 == "50%" {print $2}')")")
        done
        first=0
    }
    bench_list "expenses, page 1" "$base_url/projects/expenses?per_page=100"
    bench_list "expenses, page 500" "$base_url/projects/expenses?per_page=100&page=500"
    bench_list "expenses, one month" \
        "$base_url/projects/expenses?per_page=100&from=$month-01&to=$month-31"
    bench_list "purchases, page 1" "$base_url/purchases?per_page=100"
    bench_list "purchases, a month's pending" \
        "$base_url/purchases?per_page=100&status=pending&date=$pmonth-01:$pmonth-31"
    echo "machine: $(uptime)"
    echo "== summary (${BENCH_STORE:-sqlite})"
    printf '%s\n' "${summary[@]}"
    exit 0
fi
if [ "$scenario" = invoices ]; then
    echo "generating data ..." >&2
    base_url="http://127.0.0.1:$port/api/v1"
    gen=$(python3 "$here/invoices.py" setup --base-url "$base_url" --key "$key")
    echo "$gen"
    get() { echo "$gen" | sed -n "s/.*\b$1=\([0-9]*\).*/\1/p"; }
    auth=(-H "Authorization: Token token=$key")
    url="$base_url/invoices/$(get invoice).pdf"
    echo "pdf: $url (mocod ${MOCOD_BENCH_ARGS:-with its default --threads: $(nproc), the online cores})"
    curl -fsS -o "$work/invoice.pdf" "$url" "${auth[@]}"
    # a valid PDF (qpdf --check exits non-zero on errors or warnings), its pages and page size
    pdf_check()
    {
        qpdf --check "$1" > "$work/qpdf.txt" || { cat "$work/qpdf.txt"; echo "qpdf --check failed: $1"; exit 1; }
        echo "$2: $(wc -c < "$1") bytes, $(pdfinfo "$1" | awk '/^Pages:/ {p=$2} /^Page size:/ {sub(/^Page size: */, ""); s=$0} END {print p " pages, " s}'), qpdf --check: no errors"
    }
    pdf_check "$work/invoice.pdf" "invoice pdf"
    pdftotext "$work/invoice.pdf" - | grep -c "^Position [0-9]*:" | sed 's/^/items in the text: /' || true
    echo "machine: $(uptime)"
    # CPU time (user + system, clock ticks) of each HTTP worker thread: which of them served
    ticks()
    {
        local t
        for t in /proc/"${pids[0]}"/task/*; do
            if [ "$(cat "$t/comm")" = MHD-worker ]; then awk '{printf "%d ", $14 + $15}' "$t/stat"; fi
        done
    }
    busy()
    {
        local -a before after
        read -ra before <<< "$1"
        read -ra after <<< "$(ticks)"
        local i out=""
        for i in "${!after[@]}"; do
            out+=" $(python3 -c "print('%.1f s' % ((${after[$i]} - ${before[$i]:-0}) / $(getconf CLK_TCK)))")"
        done
        echo "CPU of each HTTP worker thread during the run:$out"
    }
    wrk -t1 -c1 -d3s "${auth[@]}" "$url" >/dev/null # warm-up
    echo "== PDF, 1 connection"
    t0=$(ticks)
    wrk -t1 -c1 -d10s --latency "${auth[@]}" "$url"
    busy "$t0"
    echo "== PDF, 8 connections, 1 wrk thread"
    if [ -n "${BENCH_PERF:-}" ]; then
        perf record -g -o "$BENCH_PERF" -p "${pids[0]}" -- sleep 10 2>/dev/null &
        perfpid=$!
    fi
    t0=$(ticks)
    wrk -t1 -c8 -d10s --latency "${auth[@]}" "$url"
    busy "$t0"
    if [ -n "${perfpid:-}" ]; then wait "$perfpid"; fi
    echo "machine: $(uptime)"
    echo "== invoices from 1,000 activities"
    python3 "$here/invoices.py" from-activities --base-url "$base_url" --key "$key" \
        --project "$(get project)" --task "$(get task)" --customer "$(get customer)" \
        --pdf-out "$work/timesheet.pdf"
    pdf_check "$work/timesheet.pdf" "timesheet pdf"
    echo "machine: $(uptime)"
    exit 0
fi
if [ "$scenario" = reports ]; then
    base_url="http://127.0.0.1:$port/api/v1"
    year=2025 # gen_activities.py spreads the activities over 2025-01-01 .. 2026-12-31
    echo "generating data ..." >&2
    echo "machine: $(uptime)"
    t0=$(date +%s)
    python3 "$here/gen_activities.py" --base-url "$base_url" --key "$key" \
        --users "${BENCH_USERS:-200}" --projects "${BENCH_PROJECTS:-2000}" \
        --activities "${BENCH_ACTIVITIES:-1000000}"
    echo "activities data: $(($(date +%s) - t0)) s in all"
    echo "machine: $(uptime)"
    python3 "$here/reports.py" invoices --base-url "$base_url" --key "$key" \
        --invoices "${BENCH_INVOICES:-20000}" --procs "${BENCH_PROCS:-4}" --year "$year"
    echo "machine: $(uptime)"
    # the project with the most activities, one query on the store
    top="SELECT project_id, COUNT(*) FROM activities GROUP BY project_id ORDER BY 2 DESC, 1 LIMIT 1"
    if [ "${BENCH_STORE:-sqlite}" = postgres ]; then
        big=$(psql -qAt -F' ' "$db" -c "$top")
    else
        big=$(sqlite3 -separator ' ' "$db" "$top")
    fi
    echo "largest project: id ${big% *}, ${big#* } activities"
    # the same server without the response cache: every request counts and renders afresh
    stop_servers
    MOCOD_BENCH_ARGS="${MOCOD_BENCH_ARGS:-} --response-cache 0" serve "$port"
    wait_up "$port"
    auth=(-H "Authorization: Token token=$key")
    summary=()
    bench_report()
    {
        local name=$1 url=$2 c out
        echo "== $name: $url"
        echo "response: $(curl -s -o /dev/null -w '%{http_code}, %{size_download} bytes, %{time_total} s' "$url" "${auth[@]}")"
        wrk -t1 -c1 -d2s "${auth[@]}" "$url" >/dev/null # warm-up
        for c in 1 8; do
            echo "-- $c connection(s), 1 wrk thread"
            # --timeout 30s: wrk's default (2 s) would drop the slow answers from the latencies
            out=$(wrk -t1 -c"$c" -d10s --timeout 30s --latency "${auth[@]}" "$url")
            echo "$out"
            summary+=("$(printf '%-30s %d conn: %8s req/s, median %s' "$name" "$c" \
                "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
                "$(echo "$out" | awk '$1 == "50%" {print $2}')")")
        done
    }
    bench_report "utilization, $year" "$base_url/report/utilization?from=$year-01-01&to=$year-12-31"
    bench_report "planned_vs_tracked, $year" \
        "$base_url/report/planned_vs_tracked?from=$year-01-01&to=$year-12-31"
    bench_report "project report (largest)" "$base_url/projects/${big% *}/report"
    echo "machine: $(uptime)"
    # the totals made anew from every activity, as at the first start after an upgrade (or a
    # changed declaration): the server stopped, the stored definitions made stale, one migrate
    stop_servers
    stale="UPDATE totals_definitions SET definition = 'stale'"
    if [ "${BENCH_STORE:-sqlite}" = postgres ]; then psql -q "$db" -c "$stale"; else sqlite3 "$db" "$stale"; fi
    t0=$EPOCHREALTIME
    "$build/mocod" migrate --db "$db" >/dev/null
    summary+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "totals rebuilt at start: %.1f s", b - a }')")
    echo "== summary (${BENCH_STORE:-sqlite})"
    printf '%s\n' "${summary[@]}"
    if [ -n "${BENCH_KEEP_DB:-}" ] && [ "${BENCH_STORE:-sqlite}" = sqlite ]; then sqlite3 "$db" ".backup '$BENCH_KEEP_DB'"; fi
    exit 0
fi
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
