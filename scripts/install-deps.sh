#!/usr/bin/env bash
# Installs the Debian packages chainsim needs that are not there yet, and only
# those: a package is skipped when dpkg has it installed or, for one that
# provides a command, when that command is already on the PATH (a toolchain
# installed some other way counts). Quiet when there is nothing to do; apt's
# output is shown only when it fails. Uses sudo when not run as root.
#
#   scripts/install-deps.sh          what building and running chainsim needs
#   scripts/install-deps.sh --test   that, plus what the test suite needs
#                                    (Check; node + npm + chromium for the
#                                    dashboard's browser test; Python 3 with
#                                    python3-cryptography for Ed25519 in
#                                    tools/verify_chain.py, which the chain
#                                    format test runs; clang and its
#                                    libFuzzer runtime for the fuzz harnesses;
#                                    Open MPI for the tests of runs split
#                                    over several processes)
#
# npm: Debian 12's nodejs has no npm, which is the separate package `npm`; a
# nodejs from elsewhere (a repack that bundles npm) conflicts with Debian's
# `npm`. So `npm` is installed only when the npm command is still missing once
# nodejs is there.
set -euo pipefail

usage() { echo "usage: scripts/install-deps.sh [--test]" >&2; }
with_test=0
case $# in
0) ;;
1)
    if [ "$1" = --test ]; then
        with_test=1
    elif [ "$1" = -h ] || [ "$1" = --help ]; then
        usage
        exit 0
    else
        echo "install-deps: unknown argument '$1'" >&2
        usage
        exit 2
    fi
    ;;
*)
    usage
    exit 2
    ;;
esac

# PACKAGE or PACKAGE:COMMAND (present when either is installed).
needs=(build-essential cmake:cmake pkg-config:pkg-config libssl-dev libcjson-dev
       libmicrohttpd-dev gnuplot-nox:gnuplot)
if [ $with_test -eq 1 ]; then
    needs+=(check ca-certificates nodejs:node chromium:chromium python3-cryptography clang:clang
            libclang-rt-dev libopenmpi-dev openmpi-bin:mpirun)
fi

installed() { # package [command]
    if [ -n "${2:-}" ] && command -v "$2" >/dev/null 2>&1; then
        return 0
    fi
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        sudo=(missing-sudo)
    else
        sudo=(sudo)
    fi
fi
updated=0
apt_install() { # packages...
    if [ "${sudo[*]}" = missing-sudo ]; then
        echo "install-deps: need root or sudo to install: $*" >&2
        return 1
    fi
    echo "install-deps: installing $*" >&2
    local log
    log=$(mktemp)
    if [ $updated -eq 0 ]; then
        if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "install-deps: apt-get update failed" >&2
            return 1
        fi
        updated=1
    fi
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        echo "install-deps: apt-get install $* failed" >&2
        return 1
    fi
    rm -f "$log"
}

missing=()
for need in "${needs[@]}"; do
    pkg=${need%%:*}
    cmd=""
    [ "$pkg" != "$need" ] && cmd=${need#*:}
    installed "$pkg" "$cmd" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

if [ $with_test -eq 1 ]; then
    hash -r
    if ! command -v npm >/dev/null 2>&1; then
        apt_install npm
        hash -r
        command -v npm >/dev/null 2>&1 || {
            echo "install-deps: the npm package installed no npm command" >&2
            exit 1
        }
    fi
fi
exit 0
