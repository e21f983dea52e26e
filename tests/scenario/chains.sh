#!/usr/bin/env bash
# `chainsim run` writes each distinct final chain once and hard-links it for
# every other node that holds the same chain: files with the same bytes share
# one inode and their link count is the number of such nodes, every file
# verifies, and a second run into the same folder leaves no temporary files.
# `--chains none|main|LIST` writes exactly the chosen nodes' files (main: the
# nodes whose chain has the main chain's tip) and the same summary.json; bad
# --chains values exit 2 with one line naming the value.
set -u
bin=$1
fail() {
    echo "FAIL: $*"
    echo "(files kept in $tmp)"
    trap - EXIT
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 8 nodes; node 3 crashes early and keeps its short chain, the others end on
# one chain: two groups of files, and main is every node but 3.
run=(--set nodes.count=8 --set nodes.hashrate=1k --set duration=20s
     --set 'events=[{"at": "4s", "type": "crash", "node": 3}]'
     --set consensus.pow.expected_hashes_per_block=20000 --seed 7 --threads 2 --quiet)

# node numbers with a chain file in DIR, sorted, space-separated
files_of() { (cd "$1" && ls node*_chain.json 2>/dev/null) | sed 's/node\([0-9]*\)_chain.json/\1/' | sort -n | tr '\n' ' '; }

"$bin" run "${run[@]}" --out "$tmp/all" >"$tmp/all.out" 2>"$tmp/all.err" || fail "run: $(cat "$tmp/all.err")"
[ "$(files_of "$tmp/all")" = "1 2 3 4 5 6 7 8 " ] || fail "all: files $(files_of "$tmp/all")"
"$bin" verify "$tmp"/all/node*_chain.json >/dev/null 2>&1 || fail "all: the chain files do not verify"

# Same bytes <=> same inode, and the link count is the size of the group.
shared=0
for f in "$tmp"/all/node*_chain.json; do
    sum=$(sha256sum <"$f" | cut -d' ' -f1)
    same=0
    for g in "$tmp"/all/node*_chain.json; do
        [ "$(sha256sum <"$g" | cut -d' ' -f1)" = "$sum" ] || continue
        same=$((same + 1))
        [ "$(stat -c %i "$f")" = "$(stat -c %i "$g")" ] || fail "$f and $g: same bytes, different files"
    done
    links=$(stat -c %h "$f")
    [ "$links" -eq "$same" ] || fail "$f: $links links, $same nodes hold its chain"
    [ "$links" -gt 1 ] && shared=1
done
[ $shared -eq 1 ] || fail "no two nodes share a chain file: the test shows nothing"

# A second run into the same folder replaces the files, links included.
"$bin" run "${run[@]}" --out "$tmp/all" >/dev/null 2>&1 || fail "second run into the same folder failed"
ls -a "$tmp/all" | grep -q 'tmp' && fail "temporary files left: $(ls -a "$tmp/all")"
"$bin" verify "$tmp"/all/node*_chain.json >/dev/null 2>&1 || fail "second run: the chain files do not verify"

# --chains none: no chain file, the same metrics.
"$bin" run "${run[@]}" --chains none --out "$tmp/none" >"$tmp/none.out" 2>&1 || fail "--chains none: $(cat "$tmp/none.out")"
[ -z "$(files_of "$tmp/none")" ] || fail "--chains none wrote $(files_of "$tmp/none")"
cmp -s "$tmp/all/summary.json" "$tmp/none/summary.json" || fail "--chains none: summary.json differs"
cmp -s "$tmp/all/blocks.csv" "$tmp/none/blocks.csv" || fail "--chains none: blocks.csv differs"

# --chains main: the nodes whose chain ends at the main chain's tip.
tip=$(sed -n 's/^  main chain: height [0-9]*, tip \([0-9a-f]*\) .*/\1/p' "$tmp/all.out")
[ -n "$tip" ] || fail "no main chain line in: $(cat "$tmp/all.out")"
want=""
for k in 1 2 3 4 5 6 7 8; do
    grep -q "\"tip\":[[:space:]]*\"$tip\"" "$tmp/all/node${k}_chain.json" && want="$want$k "
done
[ -n "$want" ] || fail "no node holds the main chain's tip $tip"
[ "$want" != "1 2 3 4 5 6 7 8 " ] || fail "every node holds the main chain: --chains main shows nothing"
"$bin" run "${run[@]}" --chains main --out "$tmp/main" >/dev/null 2>&1 || fail "--chains main failed"
[ "$(files_of "$tmp/main")" = "$want" ] || fail "--chains main: files $(files_of "$tmp/main"), expected $want"
"$bin" verify "$tmp"/main/node*_chain.json >/dev/null 2>&1 || fail "--chains main: files do not verify"
for k in $want; do
    cmp -s "$tmp/all/node${k}_chain.json" "$tmp/main/node${k}_chain.json" || fail "--chains main: node $k differs"
done

# --chains LIST.
"$bin" run "${run[@]}" --chains 1,3-4,8 --out "$tmp/list" >/dev/null 2>&1 || fail "--chains 1,3-4,8 failed"
[ "$(files_of "$tmp/list")" = "1 3 4 8 " ] || fail "--chains 1,3-4,8: files $(files_of "$tmp/list")"
for k in 1 3 4 8; do
    cmp -s "$tmp/all/node${k}_chain.json" "$tmp/list/node${k}_chain.json" || fail "--chains LIST: node $k differs"
done
cmp -s "$tmp/all/summary.json" "$tmp/list/summary.json" || fail "--chains LIST: summary.json differs"

# Bad values: exit 2, one line naming the value, nothing written.
for bad in "" 0 3-1 x 1,,2 5- -1 1, 2-x 99999999999; do
    err=$("$bin" run "${run[@]}" --chains "$bad" --out "$tmp/bad" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "--chains '$bad': exit $rc, expected 2 ($err)"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "--chains '$bad': one line expected: $err"
    printf '%s' "$err" | grep -qF -- "--chains" || fail "--chains '$bad': message lacks --chains: $err"
done
err=$("$bin" run "${run[@]}" --chains 2,9 --out "$tmp/bad" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "--chains 2,9 with 8 nodes: exit $rc ($err)"
printf '%s' "$err" | grep -qF "node 9" || fail "--chains 2,9: message lacks 'node 9': $err"
err=$("$bin" run --chains 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "--chains without a value: not exit 2 ($err)"
[ -e "$tmp/bad" ] && fail "a refused --chains created $tmp/bad"
echo "chains: all checks passed"
