#!/usr/bin/env bash
# `chainsim pow-check`: the genesis header checks out (exit 0, its published
# id, difficulty 1); a header with one byte changed fails its proof (exit 1,
# one line on stderr); bad hex, a wrong length or bad arguments exit 2 with
# one line naming the problem.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
genesis=0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c
genesis_id=000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f
block100000=0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710
passed=0

out=$("$bin" pow-check "$genesis"); rc=$?
[ $rc -eq 0 ] || fail "genesis: exit $rc, want 0"
printf '%s\n' "$out" | grep -qx "id: *$genesis_id" || fail "genesis id not printed: $out"
printf '%s\n' "$out" | grep -qx "difficulty: *1" || fail "genesis difficulty: $out"
printf '%s\n' "$out" | grep -qx "time: *1231006505 (2009-01-03T18:15:05Z)" || fail "genesis time: $out"
printf '%s\n' "$out" | grep -qx "proof of work: valid" || fail "genesis verdict: $out"
passed=$((passed + 1))

out=$("$bin" pow-check "$block100000"); rc=$?
[ $rc -eq 0 ] || fail "block 100000: exit $rc"
printf '%s\n' "$out" | grep -q "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506" ||
    fail "block 100000 id: $out"
printf '%s\n' "$out" | grep -qx "difficulty: *14484.16236122.*" || fail "block 100000 difficulty: $out"
passed=$((passed + 1))

# change one byte of the merkle root (hex digits 73-74)
changed=${genesis:0:72}ff${genesis:74}
err=$("$bin" pow-check "$changed" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "changed header: exit $rc, want 1"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "changed header: one line expected: $err"
printf '%s' "$err" | grep -q "proof of work invalid" || fail "changed header message: $err"
"$bin" pow-check "$changed" 2>/dev/null | grep -qx "proof of work: INVALID" || fail "verdict line"
passed=$((passed + 1))

# bits with an overflowing exponent: no valid target at all
"$bin" pow-check "${genesis:0:144}ffff00ff${genesis:152}" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "overflowing bits: exit $rc, want 1"
passed=$((passed + 1))

bad_input() { # expected-message-fragment args...
    local want=$1 err rc
    shift
    err=$("$bin" pow-check "$@" 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] || fail "pow-check $*: exit $rc, want 2"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "pow-check $*: one line expected: $err"
    printf '%s' "$err" | grep -q -- "$want" || fail "pow-check $*: message '$err' lacks '$want'"
    passed=$((passed + 1))
}
bad_input "got 158" "${genesis:0:158}"
bad_input "got 162" "${genesis}00"
bad_input "'z' at position 1" "z${genesis:1}"
bad_input "'g' at position 160" "${genesis:0:159}g"
bad_input "missing HEADER_HEX"
bad_input "got another" "$genesis" "$genesis"
bad_input "unknown option '--fast'" --fast "$genesis"
"$bin" pow-check --help | grep -q "usage: chainsim pow-check" || fail "--help"
echo "powcheck: $passed passed, 0 failed"
