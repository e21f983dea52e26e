#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium driven by playwright-core
# (installed with `npm ci` from tests/browser/package-lock.json into the build
# folder) against a real `chainsim run --serve --start-paused --realtime 20`
# of tests/browser/scenario.json (five nodes, a partition that forks, a
# crash; the run waits for the page, so it sees every event from time 0).
# Exits 77 (skipped) when node, npm or chromium are missing. The screenshots
# are left in the build folder: dashboard-partition.png and
# dashboard-reorg.png (1280x720, the ones in docs/) and dashboard.png (the
# whole page). Then tests/browser/consensus.test.mjs on a live BFT run of
# tests/browser/bft.json (a split without a 2/3 side: halted) and on a
# finished selfish-mining run served with `chainsim serve`; it leaves
# dashboard-bft.png (docs/dashboard-bft.png).
set -u
bin=$1
src=$2
build=$(cd "$(dirname "$bin")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
done
[ -x "$chromium" ] || { echo "SKIP: $chromium is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }

work="$build/browser-test"
mkdir -p "$work"
cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" \
    "$src/tests/browser/harness.mjs" "$src/tests/browser/dashboard.test.mjs" \
    "$src/tests/browser/consensus.test.mjs" "$work/"
if ! cmp -s "$work/package-lock.json" "$work/node_modules/.package-lock.json.installed" 2>/dev/null; then
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL: npm ci"; exit 1; }
    cp "$work/package-lock.json" "$work/node_modules/.package-lock.json.installed"
fi

. "$(dirname "$0")/lib/scratch.bash"
scratch_new browser
out=$scratch/chainsim.log
runs=$scratch
pid=""
spid=""
scratch_before_exit() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
}
"$bin" run "$src/tests/browser/scenario.json" --serve 127.0.0.1:0 --start-paused --realtime 20 \
    --out "$runs/run" >"$out" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 600); do # the URL comes before the run starts; wait on it, not a fixed time
    url=$(sed -n 's|^dashboard: \(http://[^ ]*\)$|\1|p' "$out")
    [ -n "$url" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { echo "FAIL: chainsim run --serve printed no URL: $(cat "$out")"; exit 1; }
CHROMIUM="$chromium" TMPDIR="$scratch" timeout 600 node "$work/dashboard.test.mjs" "$url" "$build" || exit 1
kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
pid=""

serve_url() { # LOG : waits for the first http:// URL the command logs, prints it
    local u=""
    for _ in $(seq 1 600); do
        u=$(grep -o 'http://127.0.0.1:[0-9]*/' "$1" | head -1)
        [ -n "$u" ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    printf '%s' "$u"
}
"$bin" run "$src/scenarios/selfish_mining.json" --set duration=3h --quiet --out "$runs/selfish" >"$scratch/selfish.log" 2>&1 ||
    { echo "FAIL: selfish run: $(cat "$scratch/selfish.log")"; exit 1; }
"$bin" serve "$runs/selfish" --listen 127.0.0.1:0 >"$scratch/serve.log" 2>&1 &
spid=$!
pid=$spid
selfish_url=$(serve_url "$scratch/serve.log")
pid=""
[ -n "$selfish_url" ] || { echo "FAIL: chainsim serve printed no URL: $(cat "$scratch/serve.log")"; exit 1; }
"$bin" run "$src/tests/browser/bft.json" --serve 127.0.0.1:0 --start-paused --realtime 5 \
    --out "$runs/bft" >"$scratch/bft.log" 2>&1 &
pid=$!
bft_url=$(serve_url "$scratch/bft.log")
[ -n "$bft_url" ] || { echo "FAIL: the BFT run printed no URL: $(cat "$scratch/bft.log")"; exit 1; }
CHROMIUM="$chromium" TMPDIR="$scratch" timeout 600 node "$work/consensus.test.mjs" "$bft_url" "$selfish_url" "$build"
exit $?
