#!/usr/bin/env bash
# `chainsim compare` on hand-written summary.json files: the aligned table
# and the CSV hold each run's headline figures; a missing or malformed summary
# exits 2 naming the file. Also `chainsim sweep`'s argument errors (exit 2),
# and its child-process machinery: each run is a `chainsim run` child,
# sweep.csv is written only when every run succeeded, every row carries a
# run_id made of the sweep's id, and a folder holding an earlier sweep is
# refused.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new compare
tmp=$scratch

summary() { # dir blocks stale_rate reconverge
    mkdir -p "$1"
    cat >"$1/summary.json" <<JSON
{"scenario": {"nodes": 4}, "seed": 7, "blocks": {"produced": $2, "stale_rate": $3},
 "propagation_s": {"reach_50pct": {"median": 0.12, "p90": 0.2}, "reach_90pct": {"median": 0.3, "p90": 0.5}},
 "reorgs": {"count": 3, "deepest": 2}, "reconvergence": {"max_delay_s": $4},
 "transactions": {"per_second": 1.5, "confirmation_latency_s": {"median": 600.25, "p90": 1200}},
 "hashes": 123456789, "messages": {"sent": 1000}, "bytes": {"sent": 250000}, "events_processed": 4242}
JSON
}
summary "$tmp/fast" 120 0.025 0.75
summary "$tmp/slow-network" 118 0.1 null

out=$("$bin" compare "$tmp/fast" "$tmp/slow-network") || fail "compare exit $?"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 17 ] || fail "expected a header and 16 figures: $out"
printf '%s\n' "$out" | head -1 | grep -q "^figure .*$tmp/fast  $tmp/slow-network$" || fail "header: $out"
printf '%s\n' "$out" | grep -qE '^stale_rate +0\.025 +0\.1$' || fail "stale_rate row: $out"
printf '%s\n' "$out" | grep -qE '^reconverge_max_s +0\.75 +-$' || fail "null shows as '-': $out"
printf '%s\n' "$out" | grep -qE '^hashes +123456789 +123456789$' || fail "hashes row: $out"
# Aligned: every row has the same length (right-aligned columns).
[ "$(printf '%s\n' "$out" | awk '{ print length($0) }' | sort -u | wc -l)" -eq 1 ] || fail "columns not aligned: $out"

csv=$("$bin" compare --csv "$tmp/fast" "$tmp/slow-network") || fail "compare --csv exit $?"
[ "$(printf '%s\n' "$csv" | head -1)" = "run,blocks,stale_rate,prop50_median_s,prop50_p90_s,prop90_median_s,prop90_p90_s,reorgs,deepest_reorg,reconverge_max_s,tx_per_s,confirm_median_s,confirm_p90_s,hashes,messages_sent,bytes_sent,events" ] || fail "csv header: $csv"
[ "$(printf '%s\n' "$csv" | sed -n 3p)" = "$tmp/slow-network,118,0.1,0.12,0.2,0.3,0.5,3,2,,1.5,600.25,1200,123456789,1000,250000,4242" ] || fail "csv row: $csv"

expect2() { # description needle command...
    local what=$1 needle=$2
    shift 2
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($err)"
    printf '%s' "$err" | grep -q -- "$needle" || fail "$what: message lacks '$needle': $err"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$what: one line expected: $err"
}
"$bin" compare --help | grep -q 'usage: chainsim compare' || fail "compare --help"
expect2 "compare without runs" "at least one RUN_DIR" "$bin" compare
expect2 "compare unknown option" "'--tsv'" "$bin" compare --tsv "$tmp/fast"
expect2 "missing summary" "$tmp/none/summary.json: cannot open" "$bin" compare "$tmp/fast" "$tmp/none"
mkdir -p "$tmp/broken" "$tmp/partial"
echo '{"blocks": ' >"$tmp/broken/summary.json"
expect2 "malformed summary" "$tmp/broken/summary.json: line 1 column 12: not valid JSON" "$bin" compare "$tmp/broken"
echo '{"blocks": {"produced": 3}}' >"$tmp/partial/summary.json"
expect2 "incomplete summary" "$tmp/partial/summary.json: blocks.stale_rate: expected a number or null" "$bin" compare "$tmp/partial"

# sweep: argument errors.
# A cheap scenario for the sweep's child runs: 60 virtual seconds at 20 kH/s
# in all (about 1.2 million hashes a run instead of the default's 120 million).
echo '{"seed": 11, "duration": "60s", "nodes": {"count": 4, "hashrate": "5k"},
 "consensus": {"pow": {"expected_hashes_per_block": 50000}}, "workload": {"rate": "0.2/s"}}' >"$tmp/s.json"
echo '{"nodes": 4, "seed": -1}' >"$tmp/badseed.json"
echo 'nodes: 4' >"$tmp/notjson.json"
"$bin" sweep --help | grep -q 'usage: chainsim sweep' || fail "sweep --help"
expect2 "sweep without scenario" "give a SCENARIO" "$bin" sweep --reps 2
expect2 "sweep two scenarios" "one SCENARIO expected" "$bin" sweep "$tmp/s.json" "$tmp/s.json"
expect2 "sweep bad vary" "--vary 'nodes': expected PATH=V1,V2" "$bin" sweep "$tmp/s.json" --vary nodes
expect2 "sweep empty value" "value 2 of nodes is empty" "$bin" sweep "$tmp/s.json" --vary nodes=4,,8
expect2 "sweep reps 0" "--reps '0'" "$bin" sweep "$tmp/s.json" --reps 0
expect2 "sweep jobs text" "--jobs 'many'" "$bin" sweep "$tmp/s.json" --jobs many
expect2 "sweep seed negative" "--seed '-3'" "$bin" sweep "$tmp/s.json" --seed -3
expect2 "sweep missing value" "--out needs a value" "$bin" sweep "$tmp/s.json" --out
expect2 "sweep unknown option" "'--frob'" "$bin" sweep "$tmp/s.json" --frob
expect2 "sweep missing scenario" "$tmp/none.json: cannot open" "$bin" sweep "$tmp/none.json" --out "$tmp/sw"
expect2 "sweep scenario not JSON" "$tmp/notjson.json: line 1 column 1: not valid JSON" "$bin" sweep "$tmp/notjson.json" --out "$tmp/sw"
expect2 "sweep bad seed" "$tmp/badseed.json: seed: expected an integer in .0, 9007199254740991., got -1" "$bin" sweep "$tmp/badseed.json" --out "$tmp/sw"
expect2 "sweep value the scenario refuses" "network.latency: expected a positive latency" "$bin" sweep "$tmp/s.json" --vary network.latency=50ms,0ms --out "$tmp/sw"
[ ! -e "$tmp/sw" ] || fail "a refused sweep must not create its output folder"

# sweep: 2 values x 2 reps = 4 child runs, 2 at a time.
"$bin" sweep "$tmp/s.json" --vary nodes.count=4,8 --reps 2 --jobs 2 --out "$tmp/sw" >"$tmp/sw.out" 2>"$tmp/sw.err"
rc=$?
if [ $rc -eq 0 ]; then
    [ "$(wc -l <"$tmp/sw/sweep.csv")" -eq 5 ] || fail "sweep.csv: header + 4 rows expected"
    # Every row names its run: run_id = the sweep's id (printed, and in
    # sweep.json) and the run's number; run = its folder.
    id=$(sed -n 's/^sweep \([0-9a-f]\{12\}\): 4 runs, .*sweep.csv$/\1/p' "$tmp/sw.out")
    [ -n "$id" ] || fail "sweep did not print its id: $(cat "$tmp/sw.out")"
    head -1 "$tmp/sw/sweep.csv" | grep -q '^run_id,run,nodes.count,rep,seed,blocks,' || fail "sweep.csv header: $(head -1 "$tmp/sw/sweep.csv")"
    [ "$(cut -d, -f1,2 "$tmp/sw/sweep.csv" | tail -n +2 | tr '\n' ' ')" = "$id-001,run-001 $id-002,run-002 $id-003,run-003 $id-004,run-004 " ] ||
        fail "run_id column: $(cut -d, -f1,2 "$tmp/sw/sweep.csv")"
    grep -q "\"sweep_id\":.*\"$id\"" "$tmp/sw/sweep.json" || fail "sweep.json lacks the id: $(cat "$tmp/sw/sweep.json")"
    grep -q '"base_seed":.*11,' "$tmp/sw/sweep.json" || fail "sweep.json lacks the base seed"
    cp "$tmp/sw/sweep.csv" "$tmp/first.csv"
    # The same sweep again gets the same id and the same rows; into an empty folder is fine.
    mkdir "$tmp/sw2"
    "$bin" sweep "$tmp/s.json" --vary nodes.count=4,8 --reps 2 --jobs 1 --out "$tmp/sw2" >/dev/null || fail "second sweep"
    cmp -s "$tmp/sw2/sweep.csv" "$tmp/first.csv" || fail "repeated sweep differs"
    # Another definition, another id.
    "$bin" sweep "$tmp/s.json" --vary nodes.count=4,6 --out "$tmp/sw3" >/dev/null || fail "third sweep"
    id3=$(sed -n 2p "$tmp/sw3/sweep.csv" | cut -d- -f1)
    [ "$id3" != "$id" ] || fail "a different sweep got the same id $id"
    # A folder that holds an earlier sweep is refused, before anything runs,
    # and left as it was.
    expect2 "sweep into a used folder" "--out $tmp/sw already holds run-001, run-002, run-003, \.\.\. (an earlier sweep?)" \
        "$bin" sweep "$tmp/s.json" --vary nodes.count=4 --out "$tmp/sw"
    cmp -s "$tmp/sw/sweep.csv" "$tmp/first.csv" || fail "a refused sweep changed sweep.csv"
    [ "$(ls "$tmp/sw" | tr '\n' ' ')" = "run-001 run-002 run-003 run-004 sweep.csv sweep.json " ] || fail "a refused sweep changed the folder: $(ls "$tmp/sw")"
    echo x >"$tmp/afile"
    expect2 "sweep into a file" "--out $tmp/afile: exists and is not a folder" "$bin" sweep "$tmp/s.json" --out "$tmp/afile"
else
    # `chainsim run` cannot run yet: every child fails, each is named, no sweep.csv.
    [ $rc -eq 1 ] || fail "sweep exit $rc, expected 0 or 1"
    for r in 1 2 3 4; do grep -q "$tmp/sw/run-00$r failed" "$tmp/sw.err" || fail "run-00$r not reported: $(cat "$tmp/sw.err")"; done
    grep -q "4 of 4 runs failed" "$tmp/sw.err" || fail "failure count: $(cat "$tmp/sw.err")"
    [ ! -e "$tmp/sw/sweep.csv" ] || fail "sweep.csv written although runs failed"
fi
echo "compare: 1 passed, 0 failed"
