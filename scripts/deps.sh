#!/usr/bin/env bash
# Installs the Debian packages mocod needs to build, test and benchmark, when missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libsodium-dev libcurl4-openssl-dev libpq-dev libcmocka-dev openssl curl python3)
[ "${1:-}" = "--bench" ] && pkgs+=(wrk)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
