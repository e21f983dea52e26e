#!/usr/bin/env bash
# Installs the Debian packages chainsim needs that are not installed yet.
# Uses sudo when not run as root. Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(build-essential cmake pkg-config libssl-dev libcjson-dev check
          libmicrohttpd-dev gnuplot-nox chromium nodejs)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
