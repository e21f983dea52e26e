#!/usr/bin/env bash
# Regenerates the seed corpora of the fuzz harnesses (a maintenance tool,
# not a test): run it after a change to a format the harnesses read (the
# scenario schema, the chain file, summary.json, the HTTP bodies), review
# the diff and commit the new files with that change.
#
#   tests/fuzz/make-corpus.sh [CHAINSIM]
#
# CHAINSIM is a built chainsim binary (default build/rel/chainsim). Every
# seed is a real input: the shipped scenarios, the `--set` assignments the
# README and tests use, the unit strings of scenarios/README.md, Bitcoin
# mainnet headers, the chain files and summary.json of short real runs,
# and the request bodies the dashboard page (web/app.js) sends. Files found
# by fuzzing (regression inputs, named regress-*) are kept; everything else
# in tests/fuzz/corpus/ and tests/fuzz/data/ is rewritten.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-build/rel/chainsim}
[ -x "$bin" ] || { echo "make-corpus: $bin is not an executable (build chainsim first)" >&2; exit 2; }
corpus=tests/fuzz/corpus
tmp=$(mktemp -d /tmp/chainsim-make-corpus-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fresh() { # harness: a corpus folder without its generated seeds
    mkdir -p "$corpus/$1"
    find "$corpus/$1" -type f ! -name 'regress-*' -delete
}

# scenario: every shipped scenario and the test scenarios (bad ones too).
fresh scenario
for f in scenarios/*.json tests/data/scenarios/*.json; do
    cp "$f" "$corpus/scenario/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# set: assignments as the README, scenarios/README.md and the tests write
# them, one per line, applied in order.
fresh set
printf '%s\n' 'network.latency=20ms' >"$corpus/set/latency"
printf '%s\n' 'nodes.count=8' 'events[0].groups=[[1,2,3,4],[5,6,7,8]]' 'events[1].at=4m' \
    >"$corpus/set/eight-nodes"
printf '%s\n' 'events[2]={"at":"200s","type":"crash","node":3}' 'network.topology.type=ring' \
    >"$corpus/set/crash-ring"
printf '%s\n' 'consensus.type=pos' 'consensus.pos.k=3' 'duration=40s' 'events=[]' >"$corpus/set/pos"
printf '%s\n' 'seed="18446744073709551615"' 'name="quoted"' 'description=plain text' \
    >"$corpus/set/strings"
printf '%s\n' 'nodes.hashrate=1k' 'metrics.sample_interval=5s' 'workload.rate=2/s' \
    >"$corpus/set/rates"
printf '%s\n' 'network.latency={"dist":"uniform","min":"30ms","max":"90ms"}' 'network.loss=0.01' \
    'network.bandwidth=10Mbit' >"$corpus/set/network"
printf '%s\n' 'adversaries[0]={"kind":"selfish","node":1,"publish_to":[2,3]}' \
    'adversaries[0].publish_to=2' >"$corpus/set/adversary"

# units: the forms scenarios/README.md documents, one string per file.
fresh units
i=0
for u in 250ms 1.5s 30m 2h 1d 90 10Mbit 56kbit/s 1.5MB/s 0 1M 2.5kH/s 50000 1MB 500kB 1KiB \
    2/s 30/m 0.5/s 1.5ns 10us; do
    i=$((i + 1))
    printf '%s' "$u" >"$corpus/units/u$i"
done

# header: Bitcoin's genesis header and block 100000 (tests/scenario/powcheck.sh).
fresh header
printf '%s' 0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c \
    >"$corpus/header/genesis"
printf '%s' 0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710 \
    >"$corpus/header/block100000"
printf '%s' 000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f >"$corpus/header/genesis-id"

# chainfile and serve: short real runs (PoW with payments, PoS, and a run
# too short for a block).
fresh chainfile
fresh serve
mkdir -p tests/fuzz/data
run() { # name scenario sets...
    local name=$1 scn=$2
    shift 2
    "$bin" run "$scn" --quiet --out "$tmp/$name" "$@" >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
    cp "$tmp/$name/node1_chain.json" "$corpus/chainfile/$name.json"
    { cat "$tmp/$name/summary.json"; printf '\f'; cat "$tmp/$name/node1_chain.json"; } \
        >"$corpus/serve/$name"
}
run pow tests/data/scenarios/pow_retarget.json --set duration=40s
run pos tests/data/scenarios/pos_small.json --set duration=25s
run genesis scenarios/default.json --set duration=1s --set events=[]
# serve with its event feed: a partition, a heal and reorganisations, the
# run's events.csv and reorgs.csv after the chain file.
"$bin" run scenarios/default.json --quiet --out "$tmp/feed" --set duration=100s \
    --set events[0].at=30s --set events[1].at=70s >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
{ cat "$tmp/feed/summary.json"; printf '\f'; cat "$tmp/feed/node1_chain.json"; printf '\f'
  cat "$tmp/feed/events.csv"; printf '\f'; cat "$tmp/feed/reorgs.csv"; } >"$corpus/serve/feed"
cp "$tmp/pow/summary.json" tests/fuzz/data/serve_summary.json
cp "$tmp/pow/node2_chain.json" "$corpus/serve/pow-node1-only.json"

# pack: what one process of a run over several reads from another (an
# mpirun -np 2 run of the double spend scenario, and of a short BFT one,
# its seeds named bft-*): the first payload of each
# message type, and each process's node records, as CHAINSIM_PACK_SEEDS
# keeps them, prefixed with the harness's reader byte ('m' or 'r'), the
# figures of a selfish miner outside process 0 ('a') and the dashboard's
# block records of a run with --serve ('d'), the evidence and honest chains
# of a BFT run with attackers outside process 0 ('b'). Needs
# Open MPI and a chainsim built with it; else the folder keeps its seeds.
if command -v mpirun >/dev/null; then
    fresh pack
    mkdir "$tmp/seeds"
    as_root=()
    [ "$(id -u)" -eq 0 ] && as_root=(--allow-run-as-root)
    CHAINSIM_PACK_SEEDS="$tmp/seeds" OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
        mpirun --oversubscribe "${as_root[@]}" -np 2 "$bin" run scenarios/double_spend.json --quiet \
        --set consensus.pow.expected_hashes_per_block=20000 --out "$tmp/mpi" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    # an attacker on the last process: its figures travel to process 0
    CHAINSIM_PACK_SEEDS="$tmp/seeds" OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
        mpirun --oversubscribe "${as_root[@]}" -np 3 "$bin" run scenarios/selfish_mining.json --quiet \
        --set duration=600s --set 'adversaries[0].node=11' --out "$tmp/mpi-attack" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    # a BFT run: its protocol messages, and node records with the heights
    # each node committed (6 nodes: the harness reads records into 8)
    mkdir "$tmp/seeds-bft"
    CHAINSIM_PACK_SEEDS="$tmp/seeds-bft" OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
        mpirun --oversubscribe "${as_root[@]}" -np 2 "$bin" run scenarios/partition_bft.json --quiet \
        --set nodes.count=6 --set 'events=[]' --set duration=20s --out "$tmp/mpi-bft" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    for f in "$tmp/seeds-bft"/bft-* "$tmp/seeds-bft"/records-*; do
        mv "$f" "$tmp/seeds/bft-$(basename "$f" | sed 's/^bft-//')"
    done
    # a BFT run with attackers: process 1's evidence and honest chains (its
    # node 2 caught the equivocations and committed a block of its own)
    CHAINSIM_PACK_SEEDS="$tmp/seeds" OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
        mpirun --oversubscribe "${as_root[@]}" -np 2 "$bin" run scenarios/bft_safety_violation.json --quiet \
        --out "$tmp/mpi-bftcheck" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    # the dashboard's block records from process 1 ('d'): a run with --serve
    # serves its final state until SIGTERM, which comes once the seed is kept
    (CHAINSIM_PACK_SEEDS="$tmp/seeds" OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
        exec mpirun --oversubscribe "${as_root[@]}" -np 2 "$bin" run scenarios/default.json --quiet \
        --serve 127.0.0.1:0 --set duration=60s --set events=[] --out "$tmp/mpi-serve" \
        >/dev/null 2>"$tmp/stderr") &
    serve=$!
    for _ in $(seq 600); do
        [ -e "$tmp/seeds/dashblocks-0" ] && break
        sleep 0.2
    done
    kill -TERM "$serve" 2>/dev/null
    wait "$serve"
    [ -e "$tmp/seeds/dashblocks-0" ] || { cat "$tmp/stderr" >&2; exit 1; }
    for f in "$tmp/seeds"/*; do
        case $(basename "$f") in
        *records-*) reader=r ;; attackers-*) reader=a ;; dashblocks-*) reader=d ;; bftcheck-*) reader=b ;; *) reader=m ;;
        esac
        { printf '%s' "$reader"; cat "$f"; } >"$corpus/pack/$(basename "$f")"
    done
fi

# http: the bodies web/app.js posts to /api/transactions and /api/control.
fresh http
printf '%s' '{"from":0,"to":1,"amount":10,"node":2}' >"$corpus/http/tx"
printf '%s' '{"from":1,"to":"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29","amount":1500,"node":1}' \
    >"$corpus/http/tx-key"
printf '%s' '{"action":"pause"}' >"$corpus/http/pause"
printf '%s' '{"action":"resume"}' >"$corpus/http/resume"
printf '%s' '{"action":"speed","value":2.5}' >"$corpus/http/speed"
# The teacher controls: partition the selected nodes, heal, crash, restart,
# a link's latency (and back to the network's).
printf '%s' '{"action":"partition","nodes":[1,2]}' >"$corpus/http/partition"
printf '%s' '{"action":"heal"}' >"$corpus/http/heal"
printf '%s' '{"action":"crash","node":3}' >"$corpus/http/crash"
printf '%s' '{"action":"restart","node":3}' >"$corpus/http/restart"
printf '%s' '{"action":"latency","link":[1,2],"latency":"300ms"}' >"$corpus/http/latency"
printf '%s' '{"action":"latency","link":[2,3],"latency":"default"}' >"$corpus/http/latency-default"

# bftcert: real commit certificates, as tests/test_bft.c (cert_fuzz_seeds)
# encodes them; needs that test program beside CHAINSIM (a build with
# CHAINSIM_TESTS=ON), else the folder keeps its seeds.
if [ -x "$(dirname "$bin")/test_bft" ]; then
    fresh bftcert
    CHAINSIM_BFTCERT_SEEDS="$PWD/$corpus/bftcert" CK_RUN_CASE=votes CK_VERBOSITY=silent \
        "$(dirname "$bin")/test_bft" >/dev/null
fi

echo "make-corpus: $(find "$corpus" -type f | wc -l) files in $corpus"
