#!/usr/bin/env bash
# Installs what is missing (scripts/install-deps.sh --test: the build's needs
# plus Check, node, npm and chromium), then builds and runs the whole test
# suite twice: every test under AddressSanitizer + UndefinedBehaviorSanitizer,
# and the engine's threaded tests (label "tsan") under ThreadSanitizer.
# Warnings are errors in both builds, and any sanitizer report fails its test.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test || exit 1
jobs=$(nproc)
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

status=0
run_suite() { # build-dir sanitizer [ctest args...]
    local dir=$1 san=$2
    shift 2
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCHAINSIM_SANITIZE="$san" \
        -DCHAINSIM_WERROR=ON >/dev/null || return 1
    cmake --build "$dir" -j"$jobs" -- --no-print-directory >/dev/null || {
        cmake --build "$dir" -j1 2>&1 | grep -E 'error|warning' | head -40
        return 1
    }
    (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@")
    local rc=$?
    echo "Check summaries ($san):"
    grep -hE '^[0-9]+%: Checks: ' "$dir/Testing/Temporary/LastTest.log" | sed 's/^/  /'
    return $rc
}

echo "== ASan + UBSan: every test"
run_suite build/asan address || status=1
echo "== TSan: engine tests"
run_suite build/tsan thread -L tsan --no-tests=ignore || status=1
exit $status
