#!/usr/bin/env bash
# Workload benchmark: runs SimBlock-equivalent scenarios (bench/workloads/,
# see its README) and scenarios/large_1000.json with chainsim's default
# options and prints one table: wall time, CPU time (user + system), peak RSS,
# events, windows, messages, hashes, blocks, and the output folder's size on
# disk. Not a test: nothing here has a time limit unless --timeout is given.
#
# usage: bench/workloads.sh [options] [WORKLOAD...] [-- RUN_OPTION...]
#   WORKLOAD        a name from the list below or a path to a scenario file
#                   (default: every workload except 100k_100, which takes long)
#   --bin PATH      the chainsim binary (default build/release/chainsim, else build-rel/chainsim)
#   --repeat N      run each workload N times and print the median of each
#                   column (default 1; the targets are medians of 3)
#   --timeout S     stop a run after S wall seconds; its row then says "timeout"
#   --keep DIR      keep each run's output in DIR/NAME[.K] (default: a
#                   temporary folder, removed at the end)
#   --list          list the workloads and exit
#   -- ...          everything after "--" is passed to "chainsim run" (for
#                   example "-- --threads 2"); by default nothing is, so each
#                   run uses chainsim's default options (only --quiet and --out
#                   are given: they change printing and the folder, not work)
# Needs GNU time (/usr/bin/time). Figures come from the run's summary.json
# (events_processed, messages.sent, hashes, blocks.produced) and, for the
# window count, summary.json / run_info.json ("windows" or "engine.windows")
# or a "N windows" figure on stderr; "-" when the binary reports none.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
wl="$here/bench/workloads"
declare -A file=(
    [1k_100]="$wl/simblock_1k_100.json"
    [1k_1000]="$wl/simblock_1k_1000.json"
    [10k_100]="$wl/simblock_10k_100.json"
    [100k_100]="$wl/simblock_100k_100.json"
    [1k_10miners]="$wl/simblock_1k_10miners.json"
    [large_1000]="$here/scenarios/large_1000.json"
)
default_order=(1k_100 1k_1000 10k_100 large_1000 1k_10miners)
all_order=(1k_100 1k_1000 10k_100 100k_100 large_1000 1k_10miners)

bin=""
repeat=1
timeout_s=""
keep=""
names=()
run_opts=()
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --list)
        for n in "${all_order[@]}"; do printf '%-12s %s\n' "$n" "${file[$n]#"$here"/}"; done
        exit 0 ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    --) shift; run_opts=("$@"); break ;;
    -*) echo "workloads.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
case "$repeat" in '' | *[!0-9]* | 0) echo "workloads.sh: --repeat needs a positive number, got '$repeat'" >&2; exit 2 ;; esac
case "$timeout_s" in *[!0-9]*) echo "workloads.sh: --timeout needs a number of seconds, got '$timeout_s'" >&2; exit 2 ;; esac
if [ -z "$bin" ]; then
    for c in "$here/build/release/chainsim" "$here/build-rel/chainsim"; do
        if [ -x "$c" ]; then bin="$c"; break; fi
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "workloads.sh: no chainsim binary (build it, or give --bin PATH)" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "workloads.sh: /usr/bin/time (GNU time) is needed for CPU time and peak RSS" >&2
    exit 2
fi
[ ${#names[@]} -gt 0 ] || names=("${default_order[@]}")
for n in "${names[@]}"; do
    if [ -z "${file[$n]:-}" ] && [ ! -f "$n" ]; then
        echo "workloads.sh: unknown workload '$n' (not a name from --list, not a file)" >&2
        exit 2
    fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -z "$keep" ] || mkdir -p "$keep"

# json_get FILE PATH: a number at PATH (keys joined by '.') of a cJSON-printed
# file, or nothing. Uses jq when present; else reads cJSON's layout (one key a
# line, tab-indented by depth).
json_get() {
    [ -f "$1" ] || return 0
    if command -v jq >/dev/null; then
        jq -r --arg p "$2" 'getpath($p | split(".")) // empty | numbers' "$1" 2>/dev/null || true
        return 0
    fi
    awk -F'\t' -v want="$2" '
        { depth = 0; while (depth < NF && $(depth + 1) == "") depth++
          if (depth + 1 > NF) next
          key = $(depth + 1); if (key !~ /^".*":$/) next
          key = substr(key, 2, length(key) - 3); stack[depth] = key
          path = ""; for (i = 1; i < depth; i++) path = path stack[i] "."
          if (path key == want) { v = $(depth + 2); sub(/,$/, "", v); print v; exit } }' "$1"
}

# median of the numbers given (one per argument; "-" when none).
median() {
    printf '%s\n' "$@" | grep -E '^[0-9.e+-]+$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf 'chainsim workloads: %s%s, median of %d\n' "$bin" \
    "${run_opts[*]:+ (run options: ${run_opts[*]})}" "$repeat"
printf '%-12s %7s %6s %9s %9s %8s %10s %9s %10s %11s %9s  %s\n' workload nodes blocks \
    "wall s" "cpu s" "RSS MB" events windows messages hashes "out MB" status
for n in "${names[@]}"; do
    scn="${file[$n]:-$n}"
    label="$(basename "$n" .json)"
    walls=() cpus=() rsss=() outs=() status=ok
    events=- windows=- msgs=- hashes=- blocks=- nodes=-
    for k in $(seq 1 "$repeat"); do
        out="$tmp/out"
        if [ -n "$keep" ]; then
            out="$keep/$label"
            [ "$repeat" -eq 1 ] || out="$out.$k"
        fi
        rm -rf "$out"
        rc=0
        prefix=()
        [ -z "$timeout_s" ] || prefix=(timeout --signal=INT --kill-after=30 "$timeout_s")
        /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.txt" "${prefix[@]}" \
            "$bin" run "$scn" --quiet --out "$out" "${run_opts[@]}" \
            >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
        read -r wall user sys rss_kb < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$tmp/time.txt" | tail -1)
        walls+=("$wall")
        cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
        rsss+=("$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')")
        [ ! -d "$out" ] || outs+=("$(du -sk "$out" | awk '{ printf "%.1f", $1 / 1024 }')")
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            status="timeout (${timeout_s}s)"
        elif [ "$rc" -ne 0 ]; then
            status="exit $rc: $(tail -1 "$tmp/stderr")"
        fi
        sum="$out/summary.json"
        events=$(json_get "$sum" events_processed)
        msgs=$(json_get "$sum" messages.sent)
        hashes=$(json_get "$sum" hashes)
        blocks=$(json_get "$sum" blocks.produced)
        nodes=$(json_get "$sum" nodes)
        windows=$(json_get "$sum" windows)
        [ -n "$windows" ] || windows=$(json_get "$sum" engine.windows)
        [ -n "$windows" ] || windows=$(json_get "$out/run_info.json" windows)
        [ -n "$windows" ] || windows=$(json_get "$out/run_info.json" engine.windows)
        [ -n "$windows" ] || windows=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) windows.*/\1/p' "$tmp/stderr" | tail -1)
        [ -n "$nodes" ] || nodes=$(json_get "$scn" nodes.count)
        [ -z "$keep" ] || cp "$tmp/stdout" "$tmp/stderr" "$out/" 2>/dev/null || true
        [ "$status" = ok ] || break
    done
    printf '%-12s %7s %6s %9s %9s %8s %10s %9s %10s %11s %9s  %s\n' "$label" "${nodes:--}" \
        "${blocks:--}" "$(median "${walls[@]}")" "$(median "${cpus[@]}")" \
        "$(median "${rsss[@]}")" "${events:--}" "${windows:--}" "${msgs:--}" "${hashes:--}" \
        "$(median "${outs[@]+"${outs[@]}"}")" "$status"
done
