#!/usr/bin/env bash
# `chainsim serve RUN_DIR` on the output of a real run: four PoW nodes that
# end the run split in two partitions, so two distinct chains (each written
# once and hard-linked) that share their first blocks. The loader reads each
# file once and each shared block once; the API shows what the run wrote:
# every node's tip and height from its chain file, every block's producer
# from blocks.csv and time from its header, the best chain's transactions
# (as many as its blocks hold, each confirmed in the block transactions.csv
# names), the wallets with balances that add up to the genesis funds less
# the fees paid, the partition and the links. POSTs are refused as
# read-only and SIGTERM stops it with status 0. A name given with
# --allow-host is answered, another is not; bad options are refused before
# the folder is read, a taken port after. Bad usage, a folder that is
# not a run, and chain files crafted from the run's (numbers no integer can
# hold, a broken link, another run's file) exit 2 with one line naming the
# file and JSON path.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new serve
tmp=$scratch
pid=""
scratch_before_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
passed=0
ok() { passed=$((passed + 1)); }

expect_bad() { # message-substring args...
    local want=$1; shift
    local err rc
    err=$("$bin" serve "$@" 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] || fail "serve $*: exit $rc, want 2 ($err)"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "serve $*: one line expected: $err"
    printf '%s' "$err" | grep -qF -- "$want" || fail "serve $*: '$want' not in: $err"
    ok
}

"$bin" serve --help | grep -q 'usage: chainsim serve' || fail "--help"
expect_bad "missing RUN_DIR"
expect_bad "unknown option '--frob'" "$tmp" --frob
expect_bad "--listen needs" "$tmp" --listen
expect_bad "$tmp/nope: cannot open" "$tmp/nope"
# Options before the folder: nope does not exist, yet the option is named.
expect_bad 'serve: listen address "127.0.0.1:70000": port must be a number in 0..65535' \
    "$tmp/nope" --listen 127.0.0.1:70000
expect_bad 'serve: listen address "example.org:80": host must be' "$tmp/nope" --listen example.org:80
expect_bad 'serve: --allow-host: host name "bad host": '"' '"' at 4 is not allowed' \
    "$tmp/nope" --allow-host "bad host"
expect_bad "serve: --allow-host expects a host name" "$tmp/nope" --allow-host
hosts=()
for k in $(seq 1 17); do hosts+=(--allow-host "h$k.example"); done
expect_bad "serve: --allow-host: at most 16 names, 'h17.example' is one more" "$tmp/nope" "${hosts[@]}"
expect_bad "$tmp: no summary.json: not the output folder of a chainsim run" "$tmp"

# The run: partitioned at 1m, never healed, over at 150 s.
run=$tmp/run
"$bin" run --quiet --out "$run" --set duration=150s \
    --set 'events=[{"at":"1m","type":"partition","groups":[[1,2],[3,4]]}]' >"$tmp/run.log" 2>&1 ||
    fail "run failed: $(tail -3 "$tmp/run.log")"
ino() { stat -c %i "$1"; }
[ "$(ino "$run/node1_chain.json")" = "$(ino "$run/node2_chain.json")" ] &&
    [ "$(ino "$run/node3_chain.json")" = "$(ino "$run/node4_chain.json")" ] &&
    [ "$(ino "$run/node1_chain.json")" != "$(ino "$run/node3_chain.json")" ] ||
    fail "the run did not end on two hard-linked chains"
expect_bad "port must be a number" "$run" --listen 127.0.0.1:70000

"$bin" serve "$run" --listen 127.0.0.1:0 --allow-host dash.example >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=""
for _ in $(seq 1 300); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || fail "no URL printed: $(cat "$tmp/out" "$tmp/err")"

# Each distinct file parsed once, each shared block kept once.
top() { sed -n "s/^\t\"$1\":\t\"\{0,1\}\([0-9a-f]*\)\"\{0,1\},$/\1/p" "$2"; }
h1=$(top height "$run/node1_chain.json")
h3=$(top height "$run/node3_chain.json")
read_line=$(head -1 "$tmp/out")
want_read="read 4 chain files of 4 nodes: 2 distinct files, $((h1 + 1 + h3 + 1)) blocks, "
case "$read_line" in "$want_read"*) ;; *) fail "loader figures: '$read_line', want '$want_read...'" ;; esac
distinct=${read_line##*blocks, }
distinct=${distinct% distinct}
[ "$distinct" -lt $((h1 + 1 + h3 + 1)) ] && [ "$distinct" -gt "$h1" ] ||
    fail "shared blocks not kept once: $read_line"
ok

http() { # METHOD PATH [BODY] -> prints the raw response (Host: $host, default localhost)
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect"
    printf '%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${host:-localhost}" "${#3}" "${3:-}" >&3
    timeout 5 cat <&3
    exec 3<&-
}
num() { printf '%s' "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }

# --allow-host: its name is answered (any port), another name is not.
r=$(host=dash.example http GET /api/status "")
printf '%s' "$r" | head -1 | grep -q ' 200 ' || fail "allowed host refused: $r"
r=$(host=DASH.example:8080 http GET /api/status "")
printf '%s' "$r" | head -1 | grep -q ' 200 ' || fail "allowed host with a port refused: $r"
r=$(host=other.example http GET /api/status "")
printf '%s' "$r" | head -1 | grep -q ' 403 ' || fail "a host not allowed was answered: $r"
ok
# A taken port: exit 2, naming the address.
expect_bad "cannot listen on 127.0.0.1:$port" "$run" --listen "127.0.0.1:$port"

# The best chain is the taller side's (node 1's: more blocks at the same
# difficulty, or node 3's).
best=1
[ "$h3" -gt "$h1" ] && best=3
bh=$(top height "$run/node${best}_chain.json")
r=$(http GET /api/status "")
printf '%s' "$r" | grep -q '"read_only":true' || fail "status not read-only: $r"
printf '%s' "$r" | grep -q '"finished":true' || fail "status not finished: $r"
[ "$(num "$r" height)" = "$bh" ] || fail "status height, want $bh: $r"
printf '%s' "$r" | grep -q '"time_ns":150000000000,' || fail "status time: $r"
printf '%s' "$r" | grep -q '"scenario":"default"' || fail "status scenario: $r"
ok

# Nodes: tip and height from each file, the partition, the full mesh.
r=$(http GET /api/nodes "")
for k in 1 2 3 4; do
    f=$run/node${k}_chain.json
    printf '%s' "$r" | grep -q "\"id\":$k,\"height\":$(top height "$f"),\"tip\":\"$(top tip "$f")\"" ||
        fail "node $k: $r"
done
printf '%s' "$r" | grep -q '"group":2' || fail "no partition groups: $r"
printf '%s' "$r" | grep -q '"partitions":\[\[1,2\],\[3,4\]\]' || fail "partitions: $r"
printf '%s' "$r" | grep -q '"links":\[\[1,2\],\[1,3\],\[1,4\],\[2,3\],\[2,4\],\[3,4\]\]' || fail "links: $r"
ok

# Blocks: every listed block's producer is the one blocks.csv names, and
# its time is its header's (seconds after genesis).
r=$(http GET '/api/blocks?node=3' "")
printf '%s' "$r" | grep -o '"id":"[0-9a-f]*","parent":"[0-9a-f]*","height":[0-9]*,"producer":[0-9]*,"time_ns":[0-9]*' \
    >"$tmp/blocks"
[ "$(wc -l <"$tmp/blocks")" -eq $((distinct - 1)) ] ||
    fail "blocks listed after genesis: $(wc -l <"$tmp/blocks"), want $((distinct - 1)): $r"
while IFS= read -r b; do
    id=$(printf '%s' "$b" | sed 's/^"id":"\([0-9a-f]*\)".*/\1/')
    producer=${b#*\"producer\":}
    producer=${producer%%,*}
    time_ns=${b##*\"time_ns\":}
    csv=$(grep "^$id," "$run/blocks.csv" | cut -d, -f4)
    [ "$producer" = "$csv" ] || fail "block $id: producer $producer, blocks.csv says '$csv'"
    t=$(cat "$run"/node[13]_chain.json | awk -v id="$id" '$0 ~ "\"id\":\t\"" id "\"" {f = 1} f && /^\t\t\t"time":/ {gsub(/[^0-9]/, ""); print; exit}')
    [ "$time_ns" = "$(((t - 1700000000) * 1000000000))" ] || fail "block $id: time_ns $time_ns, header time $t"
done <"$tmp/blocks"
printf '%s' "$r" | grep -q "\"id\":\"$(top tip "$run/node3_chain.json")\",[^}]*\"main\":true" ||
    fail "node 3's tip not on its main branch: $r"
printf '%s' "$r" | grep -q "\"id\":\"$(top tip "$run/node1_chain.json")\",[^}]*\"main\":false" ||
    fail "node 1's tip not a side branch for node 3: $r"
ok

# Transactions: all of the best chain's (its file's count less one coinbase
# per block), each in the block transactions.csv names.
n_txs=$(top transactions "$run/node${best}_chain.json")
r=$(http GET /api/transactions "")
[ "$(num "$r" total)" = "$((n_txs - bh - 1))" ] || fail "transactions total, want $((n_txs - bh - 1)): $(printf '%s' "$r" | head -c 300)"
[ "$((n_txs - bh - 1))" -gt 5 ] || fail "too few transactions in the run to test"
line=$(grep ',confirmed$' "$run/transactions.csv" | head -1)
txid=${line%%,*}
block=$(printf '%s' "$line" | cut -d, -f5)
r=$(http GET "/api/transactions?q=${txid:0:16}" "")
printf '%s' "$r" | grep -q "\"id\":\"$txid\",\"from\":\"[0-9a-f]\{64\}\",\"to\":\"[0-9a-f]\{64\}\",\"amount\":[1-9][0-9]*,\"status\":\"confirmed\",\"reason\":null,\"block\":\"$block\"" ||
    fail "transaction $txid in $block: $r"
ok

# Wallets: the workload's 20, holding the genesis funds (8 coins of
# 10 * (amount_max + fee) each) less the fee of every transaction.
r=$(http GET /api/wallets "")
[ "$(printf '%s' "$r" | grep -o '"index":' | wc -l)" -eq 20 ] || fail "wallets: $r"
sum=$(printf '%s' "$r" | grep -o '"balance":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
[ "$sum" = "$((20 * 8 * 10 * 100100 - 100 * (n_txs - bh - 1)))" ] || fail "wallet balances add up to $sum: $r"
from=$(printf '%s' "$(http GET "/api/transactions?q=${txid:0:16}" "")" | grep -o '"from":"[0-9a-f]*"' | cut -d'"' -f4)
printf '%s' "$r" | grep -q "\"address\":\"$from\"" || fail "sender $from is not a wallet: $r"
ok

r=$(http POST /api/control '{"action":"pause"}')
printf '%s' "$r" | head -1 | grep -q ' 403 ' || fail "POST must be refused: $r"
printf '%s' "$r" | grep -q 'read-only' || fail "POST refusal must say read-only: $r"
r=$(http GET / "")
printf '%s' "$r" | grep -qi 'content-type: text/html' || fail "page: $r"
ok

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
ok

# Chain files crafted from the run's: refused with the file and JSON path.
bad=$tmp/bad
craft() { # SED-EXPRESSION: a copy of the run with node1's file edited
    rm -rf "$bad"
    cp -a "$run" "$bad"
    sed -i "$1" "$bad/node1_chain.json" # a new file: node2's link keeps the original
    cmp -s "$run/node1_chain.json" "$bad/node1_chain.json" && fail "edit '$1' did not apply"
}
craft "s/^\t\"height\":\t[0-9]*,/\t\"height\":\t1e300,/"
expect_bad "node1_chain.json: height: expected an integer in [0, 4294967295], got 1e+300" "$bad"
craft "s/^\t\"height\":\t[0-9]*,/\t\"height\":\t-9223372036854775808,/"
expect_bad "node1_chain.json: height: expected an integer in [0, 4294967295], got -9223372036854775808" "$bad"
craft "0,/^\t\t\t\"height\":\t1,/s//\t\t\t\"height\":\t1e300,/"
expect_bad "node1_chain.json: blocks[1].height: expected an integer in [0, 4294967295], got 1e+300" "$bad"
craft "0,/^\t\t\t\"time\":\t\([0-9]*\),/s//\t\t\t\"time\":\t-9223372036854775808,/"
expect_bad "node1_chain.json: blocks[0].time: expected an integer in [0, 4294967295]" "$bad"
craft "0,/\"amount\":\t\([0-9]*\)/s//\"amount\":\t1e300/"
expect_bad "node1_chain.json: blocks[0].txs[0].outputs[0].amount: expected an integer in [0, 2100000000000000], got 1e+300" "$bad"
# Block 2 linked to something else.
h2=$(awk '/^\t\t\t"height":\t2,/ {print NR; exit}' "$run/node1_chain.json")
craft "$((h2 + 1)),/\"prev\":/s/\"prev\":\t\"[0-9a-f]*\"/\"prev\":\t\"$(printf '%064d' 7)\"/"
expect_bad "node1_chain.json: blocks[2].prev: expected the id of blocks[1]" "$bad"
# Another run's chain file.
"$bin" run --quiet --out "$tmp/other" --seed 9 --set duration=20s --set events=[] >/dev/null 2>&1 ||
    fail "second run failed"
rm -rf "$bad"
cp -a "$run" "$bad"
cp "$tmp/other/node1_chain.json" "$bad/node1_chain.json.new"
mv "$bad/node1_chain.json.new" "$bad/node1_chain.json"
expect_bad "node1_chain.json: blocks[0] is not the genesis block of the run in $bad/summary.json" "$bad"
echo "serve: $passed passed, 0 failed"
