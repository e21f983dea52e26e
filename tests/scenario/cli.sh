#!/usr/bin/env bash
# The command line's contract: --help and --version succeed, bad usage exits 2
# with one line on stderr naming what was wrong.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
"$bin" --version | grep -qE '^chainsim [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$bin" --help | grep -q 'usage: chainsim' || fail "--help"
for c in run verify pow-check; do
    "$bin" $c --help >/dev/null || fail "$c --help exit status"
done
"$bin" 2>/dev/null; [ $? -eq 2 ] || fail "no command must exit 2"
err=$("$bin" frobnicate 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "unknown command exit $rc"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "unknown command: one line expected, got: $err"
printf '%s' "$err" | grep -q "frobnicate" || fail "message must name the command: $err"
echo "cli: 1 passed, 0 failed"
