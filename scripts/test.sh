#!/usr/bin/env bash
# Installs what is missing (scripts/install-deps.sh --test: the build's needs
# plus Check, node, npm, chromium and clang), then builds and runs the whole
# test suite twice: every test under AddressSanitizer +
# UndefinedBehaviorSanitizer, and the threaded tests (label "tsan") again
# under ThreadSanitizer; then replays every seed corpus file of
# tests/fuzz/corpus/ through every libFuzzer harness, built with clang
# (ASan + UBSan; no fuzzing time: scripts/fuzz.sh fuzzes). Warnings are
# errors in every build, and any sanitizer report fails its test.
# The last line is a plain summary of both runs: `tests: N passed, M failed`
# (`, K skipped` follows when ctest skipped any), from ctest's own counts; a
# build that fails counts as one failed test. The exit status is non-zero
# when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/install-deps.sh --test || exit 1
jobs=$(nproc)
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
# Check's per-test time limits (4 s by default) are for hangs, not speed: a
# sanitizer build on a busy machine can be ten times slower.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}

status=0
passed=0
failed=0
skipped=0
# Adds one ctest run's counts, read from its output, to the totals: the line
# "X% tests passed, Y tests failed out of Z" and the "(Skipped)" entries of
# "The following tests did not run:". Skipped tests are in Z but not in Y.
count_ctest() { # ctest-output-file
    local line total fail skip
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        grep -q 'No tests were found' "$1" || failed=$((failed + 1))
        return
    fi
    fail=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    total=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
    skip=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$1")
    failed=$((failed + fail))
    skipped=$((skipped + skip))
    passed=$((passed + total - fail - skip))
}

run_suite() { # build-dir sanitizer [ctest args...]
    local dir=$1 san=$2 cc=() tests=ON
    shift 2
    # The fuzz harnesses need clang (libFuzzer), and no Check tests.
    [ "$san" = fuzz ] && { cc=(env CC=clang); tests=OFF; }
    "${cc[@]}" cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCHAINSIM_SANITIZE="$san" \
        -DCHAINSIM_WERROR=ON -DCHAINSIM_TESTS=$tests >/dev/null || { failed=$((failed + 1)); return 1; }
    cmake --build "$dir" -j"$jobs" -- --no-print-directory >/dev/null || {
        cmake --build "$dir" -j1 2>&1 | grep -E 'error|warning' | head -40
        failed=$((failed + 1))
        return 1
    }
    local out="$dir/ctest-output.txt"
    (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    if [ "$san" != fuzz ]; then
        echo "Check summaries ($san):"
        grep -hE '^[0-9]+%: Checks: ' "$dir/Testing/Temporary/LastTest.log" | sed 's/^/  /'
    fi
    count_ctest "$out"
    return "$rc"
}

echo "== ASan + UBSan: every test"
run_suite build/asan address || status=1
echo "== TSan: threaded tests"
run_suite build/tsan thread -L tsan --no-tests=ignore || status=1
echo "== libFuzzer harnesses (clang, ASan + UBSan): every seed corpus file replayed"
run_suite build/fuzz fuzz -L fuzz || status=1
[ "$failed" -gt 0 ] && status=1
summary="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
exit $status
