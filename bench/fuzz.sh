#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ one after the other (one fuzzing process at a time) and
# prints each one's executions and findings.
#   bench/fuzz.sh [seconds per target] [target...]     default: 600 s, every fuzz/fuzz_*.c
# Builds them first in build-fuzz/ (clang, -DMOCOD_FUZZ=ON: ASan + UBSan + libFuzzer). The seed
# corpus is fuzz/corpus/<target>/ (kept small in the repo); what a run adds is kept in
# build-fuzz/corpus/<target>/ for the next run; crashes, leaks and timeouts land in
# build-fuzz/findings/ (reproduce: build-fuzz/fuzz_<target> FILE). Exit status 1 on any finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
shift || true
build="$root/build-fuzz"
"$root/scripts/deps.sh" --fuzz
cmake -S "$root" -B "$build" -DMOCOD_FUZZ=ON -DCMAKE_C_COMPILER=clang \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$root"/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        targets+=("${n#fuzz_}")
    done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/findings" "$build/logs"
total=0
found=0
printf '%-10s %8s %12s %10s %9s  %s\n' target seconds executions exec/s findings log
for t in "${targets[@]}"; do
    bin="$build/fuzz_$t"
    [ -x "$bin" ] || { echo "no fuzz target $t" >&2; exit 2; }
    work="$build/corpus/$t"
    mkdir -p "$work"
    log="$build/logs/$t.log"
    before=$(find "$build/findings" -name "$t-*" | wc -l)
    start=$(date +%s)
    # -timeout: one input taking longer than 10 s is a finding; -rss_limit_mb: so is a memory blow-up
    set +e
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/findings/$t-" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs=${execs:-0}
    after=$(find "$build/findings" -name "$t-*" | wc -l)
    n=$(( after - before ))
    [ "$rc" -ne 0 ] && [ "$n" -eq 0 ] && n=1 # died without an artifact (set-up failed)
    total=$(( total + execs ))
    found=$(( found + n ))
    printf '%-10s %8d %12d %10d %9d  %s\n' "$t" "$took" "$execs" $(( execs / (took > 0 ? took : 1) )) "$n" "$log"
    if [ "$n" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|^fuzz|harness' "$log" | head -5 >&2 || true
    fi
done
printf '%-10s %8s %12d %10s %9d\n' total "" "$total" "" "$found"
[ "$found" -eq 0 ]
