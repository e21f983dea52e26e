#!/usr/bin/env bash
# Fuzzes every libFuzzer harness of tests/fuzz/ for SECONDS each (default
# 60) and prints, per harness, the executions, the coverage libFuzzer
# reached (cov: edges, ft: features) and what it found.
#
#   scripts/fuzz.sh [SECONDS]
#
# Builds build/fuzz with clang (CHAINSIM_SANITIZE=fuzz: ASan + UBSan,
# warnings are errors), then runs the harnesses FUZZ_JOBS at a time
# (default 2; the machine's other work comes first: each runs under
# `nice -n 10`). Each starts from its seed corpus tests/fuzz/corpus/NAME/
# and writes what it adds to build/fuzz/corpus-work/NAME/ (never to the
# seed corpus). A crash, a sanitizer report, a failed FUZZ_CHECK, a
# timeout (60 s for one input) or an input that needs more than 2 GB is
# a finding: its input is saved under build/fuzz/findings/NAME/, its report
# is in build/fuzz/logs/NAME.log, and the exit status is 1. An input slower
# than 10 s but within the timeout is saved there too (slow-unit-*) and
# counted apart: on a busy machine any input can be that slow. To keep a
# finding as a regression input, fix the bug and copy the file into
# tests/fuzz/corpus/NAME/ as regress-WHAT (scripts/test.sh replays it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
    echo "usage: scripts/fuzz.sh [SECONDS] (seconds per harness, default 60)" >&2
    exit 2
    ;;
esac
jobs=${FUZZ_JOBS:-2}
command -v clang >/dev/null 2>&1 || {
    echo "fuzz: clang is missing (scripts/install-deps.sh --test installs it)" >&2
    exit 2
}
build=build/fuzz
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCHAINSIM_SANITIZE=fuzz \
    -DCHAINSIM_WERROR=ON -DCHAINSIM_TESTS=OFF >/dev/null || exit 1
nice -n 10 cmake --build "$build" -j"$jobs" -- --no-print-directory >/dev/null || {
    cmake --build "$build" -j1 2>&1 | grep -E 'error|warning' | head -40
    exit 1
}
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/logs"

fuzz_one() { # harness name
    local name=$1 short=${1#fuzz_}
    local work="$build/corpus-work/$short" found="$build/findings/$short"
    mkdir -p "$work" "$found"
    nice -n 10 "$build/$name" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
        -print_final_stats=1 -close_fd_mask=3 -artifact_prefix="$found/" \
        "$work" "tests/fuzz/corpus/$short" >"$build/logs/$name.log" 2>&1
    echo $? >"$build/logs/$name.rc"
}

harnesses=()
for src in tests/fuzz/fuzz_*.c; do
    harnesses+=("$(basename "$src" .c)")
done
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each, $jobs at a time"
running=0
for name in "${harnesses[@]}"; do
    fuzz_one "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

status=0
printf '%-16s %12s %9s %7s %7s %8s  %s\n' harness execs execs/s cov ft corpus found
for name in "${harnesses[@]}"; do
    log="$build/logs/$name.log"
    rc=$(cat "$build/logs/$name.rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
    cov=$(printf '%s\n' "$last" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p')
    found=$(find "$build/findings/${name#fuzz_}" -type f ! -name 'slow-unit-*' | wc -l)
    slow=$(find "$build/findings/${name#fuzz_}" -type f -name 'slow-unit-*' | wc -l)
    what=none
    if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
        status=1
        what="$found input(s) in $build/findings/${name#fuzz_}/ (exit $rc; see $log)"
    fi
    [ "$slow" -gt 0 ] && what="$what; $slow slow unit(s) over 10 s (not findings; replay them)"
    printf '%-16s %12s %9s %7s %7s %8s  %s\n' "${name#fuzz_}" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" "$what"
done
exit $status
