#!/usr/bin/env bash
# Runs scenarios and prints the sha256 of every output file (run_info.json,
# the only wall-clock file, aside) and of the run's stdout, one line per file:
#   SCENARIO FILE SHA256
# so that a change that must not alter results can be checked: run it before
# and after the change and diff the two listings. Exit status 0 even when a
# run fails (its exit code is listed as SCENARIO rc N).
#
#   scripts/output-digest.sh [--bin CHAINSIM] [--threads K] [SCENARIO...]
#
# With no SCENARIO, every scenarios/*.json except the large_* ones (add them
# by name: they take minutes). Runs go to temporary folders that are removed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/build/release/chainsim"
threads=2
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    --*) echo "output-digest: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ ! -x "$bin" ]; then
    echo "output-digest: no chainsim binary at '$bin' (give it with --bin)" >&2
    exit 2
fi
bin="$(readlink -f "$bin")"
if [ $# -eq 0 ]; then
    set -- $(ls "$here"/scenarios/*.json | grep -v '/large_')
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for s in "$@"; do
    name=$(basename "$s" .json)
    rm -rf "$tmp/out"
    rc=0
    case "$s" in /*) ;; *) s="$PWD/$s" ;; esac
    # --out is relative to the temporary folder, so stdout (which names it)
    # is the same bytes on every run.
    (cd "$tmp" && "$bin" run "$s" --threads "$threads" --quiet --out out >stdout 2>stderr) || rc=$?
    echo "$name rc $rc"
    printf '%s stdout %s\n' "$name" "$(sha256sum <"$tmp/stdout" | cut -d' ' -f1)"
    if [ -d "$tmp/out" ]; then
        (cd "$tmp/out" && find . -type f ! -name run_info.json | LC_ALL=C sort |
            while read -r f; do printf '%s %s %s\n' "$name" "${f#./}" "$(sha256sum <"$f" | cut -d' ' -f1)"; done)
    fi
done
