#!/usr/bin/env bash
# Scale benchmark: runs a large random degree-8 PoW network for a short
# virtual time and reports wall time (engine and total), messages per wall
# second, peak RSS and peak RSS per node.
#
# usage: bench/scale.sh [CHAINSIM] [NODES] [DURATION] [THREADS]
#   CHAINSIM  the binary (default build/release/chainsim, else build-rel/chainsim)
#   NODES     node count (default 10000)
#   DURATION  virtual time (default 60s)
#   THREADS   worker threads (default 2)
# Uses scenarios/large_10000.json with nodes.count and duration overridden.
# Needs GNU time (/usr/bin/time) for the peak RSS. Output goes to a
# temporary directory that is removed at the end.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-}"
if [ -z "$bin" ]; then
    for c in "$here/build/release/chainsim" "$here/build-rel/chainsim"; do
        if [ -x "$c" ]; then bin="$c"; break; fi
    done
fi
nodes="${2:-10000}"
duration="${3:-60s}"
threads="${4:-2}"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "scale.sh: no chainsim binary (give its path as the first argument)" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "scale.sh: /usr/bin/time (GNU time) is needed for the peak RSS" >&2
    exit 2
fi
case "$nodes" in '' | *[!0-9]*) echo "scale.sh: NODES must be a number, got '$nodes'" >&2; exit 2 ;; esac
case "$threads" in '' | *[!0-9]*) echo "scale.sh: THREADS must be a number, got '$threads'" >&2; exit 2 ;; esac

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
/usr/bin/time -f '%M %U %S' -o "$out/time.txt" \
    "$bin" run "$here/scenarios/large_10000.json" --threads "$threads" --quiet \
    --set "nodes.count=$nodes" --set "duration=$duration" --out "$out/run" \
    >"$out/log.txt" 2>"$out/err.txt"
end=$(date +%s.%N)

# The engine's wall time is run_info.json's "wall_seconds" (also printed on
# stderr as "wall clock: S s on K worker threads"); the message count is
# summary.json's "messages": {"sent": N} (also the summary's "messages" line
# on stdout). Both files are printed by cJSON: one key per line.
read -r rss_kb user_s sys_s < <(grep -E '^[0-9]+ [0-9.]+ [0-9.]+$' "$out/time.txt" | tail -1)
engine_s=$(sed -n 's/^[[:space:]]*"wall_seconds":[[:space:]]*\([0-9.e+-]*\),*$/\1/p' "$out/run/run_info.json" 2>/dev/null)
[ -n "$engine_s" ] || engine_s=$(sed -n 's/.*wall clock: \([0-9.]*\) s.*/\1/p' "$out/err.txt")
msgs=$(awk '/^[[:space:]]*"messages":/ { m = 1; next }
            m && /"sent":/ { v = $2; sub(/,$/, "", v); print v; exit }' "$out/run/summary.json" 2>/dev/null)
[ -n "$msgs" ] || msgs=$(sed -n 's/^  messages *\([0-9.e+]*\)$/\1/p' "$out/log.txt")
if [ -z "$engine_s" ] || [ -z "$msgs" ]; then
    echo "scale.sh: could not read the engine's wall time or the message count from the run" \
        "(run_info.json, summary.json, stdout, stderr in $out are removed on exit):" >&2
    cat "$out/err.txt" >&2
    exit 1
fi
awk -v n="$nodes" -v d="$duration" -v t="$threads" -v eng="$engine_s" -v s="$start" -v e="$end" \
    -v msgs="$msgs" -v rss="$rss_kb" -v u="$user_s" -v sy="$sys_s" 'BEGIN {
    total = e - s
    printf "scale: %d nodes, %s virtual, %d threads\n", n, d, t
    printf "  wall time (engine)      %.2f s\n", eng
    printf "  wall time (total)       %.2f s (setup and output %.2f s)\n", total, total - eng
    printf "  cpu time                %.2f s user, %.2f s system\n", u, sy
    printf "  messages                %.0f (%.0f per engine wall second)\n", msgs, (eng > 0 ? msgs / eng : 0)
    printf "  peak RSS                %.1f MB\n", rss / 1024
    printf "  peak RSS per node       %.1f kB\n", rss / n
}'
