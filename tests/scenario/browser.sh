#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium driven by playwright-core
# (installed with `npm ci` from tests/browser/package-lock.json into the build
# folder) against dash_fake_run, a stand-in runner beside the chainsim binary.
# Exits 77 (skipped) when node, npm or chromium are missing. The screenshot is
# left in the build folder: dashboard.png.
set -u
bin=$1
src=$2
build=$(cd "$(dirname "$bin")" && pwd)
fake="$build/dash_fake_run"
chromium=${CHROMIUM:-/usr/bin/chromium}
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
done
[ -x "$chromium" ] || { echo "SKIP: $chromium is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
[ -x "$fake" ] || { echo "FAIL: $fake was not built"; exit 1; }

work="$build/browser-test"
mkdir -p "$work"
cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" \
    "$src/tests/browser/dashboard.test.mjs" "$work/"
if ! cmp -s "$work/package-lock.json" "$work/node_modules/.package-lock.json.installed" 2>/dev/null; then
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL: npm ci"; exit 1; }
    cp "$work/package-lock.json" "$work/node_modules/.package-lock.json.installed"
fi

out=$(mktemp)
"$fake" --listen 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out"' EXIT
url=""
for _ in $(seq 1 100); do
    url=$(sed -n 's|^serving at \(http://[^ ]*\)$|\1|p' "$out")
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "FAIL: dash_fake_run printed no URL: $(cat "$out")"; exit 1; }
CHROMIUM="$chromium" timeout 300 node "$work/dashboard.test.mjs" "$url" "$build/dashboard.png"
