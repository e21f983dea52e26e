#!/usr/bin/env bash
# A run split over several processes (mpirun -np R chainsim run) writes the
# same bytes as the threaded run in one process: every output file but
# run_info.json, and stdout, compared by sha256 for the default scenario
# (partition and heal), a proof-of-stake one, a crash and restart, and a
# double spend (scripted payments made by the wallet's process), BFT under
# partitions and with equivocating validators (evidence, a safety
# violation), and every
# kind of attacker (selfish, double spender, byzantine, eclipse), on 2 and 3
# processes with 1 or 2 threads each, attackers also on the last process. An invalid scenario gives one message
# and exit 2 from every process; a process killed mid-run ends the whole job
# with a non-zero exit, not a hang, and leaves no output folder. Registered
# (label mpi) only when the build has MPI.
set -u
bin=$(readlink -f "$1")
src=$2
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new mpi
tmp=$scratch
command -v mpirun >/dev/null || fail "mpirun not found (Debian package openmpi-bin)"

# Shared memory only: containers often have no network for MPI's TCP.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
# In a sanitizer build, leak checking is off for the processes under mpirun:
# Open MPI's own allocations still held at exit are reported as leaks, with
# its unloaded plugins in the stacks (which no suppression can name). The
# same code is leak-checked in the threaded reference runs here and in the
# unit tests (test_world_dist, test_metrics_pack, test_dist).
mpi=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

# digest DIR: sha256 of every file of DIR/out but run_info.json, and of DIR/stdout.
digest() {
    (cd "$1/out" && find . -type f ! -name run_info.json | LC_ALL=C sort | xargs sha256sum)
    sha256sum <"$1/stdout"
}

# same NAME NP THREADS SCENARIO ARGS...: the threaded reference (made once
# per NAME) against mpirun -np NP with THREADS per process.
same() {
    local name=$1 np=$2 th=$3 scn=$4
    shift 4
    local ref=$tmp/$name.ref run=$tmp/$name.$np.$th
    if [ ! -d "$ref" ]; then
        mkdir -p "$ref"
        (cd "$ref" && "$bin" run "$scn" --out out --threads 2 "$@" >stdout 2>stderr) ||
            fail "$name: the threaded run failed: $(tail -3 "$ref/stderr")"
    fi
    mkdir -p "$run"
    (cd "$run" && timeout 900 "${mpi[@]}" -np "$np" "$bin" run "$scn" --out out --threads "$th" \
        "$@" >stdout 2>stderr) || fail "$name: mpirun -np $np failed: $(tail -5 "$run/stderr")"
    [ "$(ls "$ref/out" | wc -l)" -gt 8 ] || fail "$name: too few output files"
    if ! diff <(digest "$ref") <(digest "$run") >"$run.diff"; then
        fail "$name: -np $np --threads $th differs from the threaded run: $(cat "$run.diff")"
    fi
    echo "ok: $name, $np processes of $th threads: same bytes"
}

short=(--set consensus.pow.expected_hashes_per_block=20000)
same default 2 1 "$src/scenarios/default.json" "${short[@]}"
same default 3 2 "$src/scenarios/default.json" "${short[@]}"
same pos 2 1 "$src/scenarios/pos_partition.json"
same pos 3 1 "$src/scenarios/pos_partition.json"
same crash 2 1 "$src/scenarios/crash_restart.json" "${short[@]}"
same crash 3 1 "$src/scenarios/crash_restart.json" "${short[@]}"
same double_spend 3 1 "$src/scenarios/double_spend.json" "${short[@]}"
same selfish 2 1 "$src/scenarios/selfish_mining.json" --set duration=600s

# Attackers: their figures (summary.json's attack section) are counted in
# the process that runs the attacker and taken to process 0; a byzantine
# node's victims score and ban it in their own processes. Eclipse, isolate
# and cut events rewire links of nodes in any process.
same byzantine 2 1 "$src/scenarios/byzantine.json"
same byzantine_last 3 1 "$src/scenarios/byzantine.json" --set 'adversaries[0].node=5' --set 'adversaries[0].wallet=5'
same selfish_last 3 1 "$src/scenarios/selfish_mining.json" --set duration=600s --set 'adversaries[0].node=11'
same ds_attack 2 1 "$src/scenarios/double_spend_attack.json" --set duration=4h
same withholding 3 1 "$src/scenarios/withholding.json" --set 'adversaries[0].node=4'
same censorship 3 1 "$src/scenarios/censorship.json" --set 'adversaries[0].node=4'
same eclipse 2 1 "$src/scenarios/eclipse.json"
same eclipse 3 2 "$src/scenarios/eclipse.json"
# BFT: votes and proposals cross processes; the bft section's figures are
# summed over the processes, finality.csv's heights come with the node
# records, and a chain shared by nodes of several processes carries the
# certificates of its lowest node, as in one process.
same bft 2 1 "$src/scenarios/partition_bft.json"
same bft 3 1 "$src/scenarios/partition_bft.json"
grep -q '"time_halted_s"' "$tmp/bft.ref/out/summary.json" || fail "bft: no bft section"
for name in byzantine_last selfish_last; do
    grep -q '"attack"' "$tmp/$name.ref/out/summary.json" || fail "$name: no attack section"
done

# BFT with attackers: the equivocations each node caught and the honest
# nodes' chains are taken to process 0 for the bft section's evidence and
# safety check. In bft_byzantine the equivocator (node 4) runs on process 1
# of 2 and the node that catches it (node 3) on process 2 of 3; in
# bft_safety_violation the honest node 2, which commits the twin and
# catches both attackers, runs on process 1. The console's SAFETY
# VIOLATION line is the one-process run's too.
same bft_byzantine 2 1 "$src/scenarios/bft_byzantine.json"
same bft_byzantine 3 1 "$src/scenarios/bft_byzantine.json"
same bft_safety 2 1 "$src/scenarios/bft_safety_violation.json"
same bft_safety 3 1 "$src/scenarios/bft_safety_violation.json"
for name in bft_byzantine bft_safety; do
    grep -q '"evidence"' "$tmp/$name.ref/out/summary.json" || fail "$name: no evidence"
done
grep -q '"safety_violation_heights"' "$tmp/bft_safety.ref/out/summary.json" ||
    fail "bft_safety: no safety violation"
grep -qF 'SAFETY VIOLATION' "$tmp/bft_safety.ref/stderr" || fail "bft_safety: no console line"
for np in 2 3; do
    diff <(grep -F 'SAFETY VIOLATION' "$tmp/bft_safety.ref/stderr") \
        <(grep -F 'SAFETY VIOLATION' "$tmp/bft_safety.$np.1/stderr") >/dev/null ||
        fail "bft_safety: -np $np: the SAFETY VIOLATION line differs"
done
echo "ok: bft with attackers: evidence and safety check as in one process"

# An invalid scenario: one message (from process 0), exit 2, no hang.
echo '{"nodes": 4, "bogus": 1}' >"$tmp/bad.json"
timeout 120 "${mpi[@]}" -np 2 "$bin" run "$tmp/bad.json" --out "$tmp/bad" >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "invalid scenario: exit $rc, expected 2: $(cat "$tmp/bad.err")"
[ "$(grep -c '^chainsim:' "$tmp/bad.err")" -eq 1 ] ||
    fail "invalid scenario: one message expected: $(cat "$tmp/bad.err")"
grep -qF "$tmp/bad.json: bogus: unknown key" "$tmp/bad.err" ||
    fail "invalid scenario: the message does not name the key: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/bad" ] || fail "invalid scenario: the output folder was created"
echo "ok: an invalid scenario ends every process with exit 2 and one message"

# A process killed mid-run ends the job with an error, not a hang. The run
# is paced (--realtime) so that it is still going when the process dies.
(cd "$tmp" && exec timeout 300 "${mpi[@]}" -np 2 "$bin" run "$src/scenarios/default.json" \
    --realtime 2 --out killed >killed.stdout 2>killed.stderr) &
job=$!
ranks=""
for _ in $(seq 1 100); do
    sleep 0.2
    ranks=$(pgrep -f -- "^$bin run $src/scenarios/default.json --realtime 2 --out killed" || true)
    [ "$(echo "$ranks" | grep -c .)" -ge 2 ] && break
done
[ "$(echo "$ranks" | grep -c .)" -ge 2 ] || fail "the two processes of the job did not start"
sleep 2
victim=$(echo "$ranks" | tail -1)
kill -9 "$victim"
wait $job
rc=$?
grep -q . "$tmp/killed.stderr" || fail "a killed process: nothing said on stderr"
[ $rc -ne 0 ] || fail "a killed process: the job exited 0"
[ $rc -ne 124 ] || fail "a killed process: the job hung until the timeout"
for p in $ranks; do # gone, or a zombie about to be reaped, within 10 s
    for _ in $(seq 1 50); do
        case "$(ps -o stat= -p "$p" 2>/dev/null)" in "" | Z*) continue 2 ;; esac
        sleep 0.2
    done
    fail "a killed process: process $p still runs"
done
[ ! -e "$tmp/killed" ] || fail "a killed process: the output folder was created"
echo "ok: a process killed mid-run ends the job (exit $rc: $(grep -m1 -i 'signal\|killed' "$tmp/killed.stderr"))"
