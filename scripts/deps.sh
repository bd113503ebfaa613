#!/usr/bin/env bash
# Installs the Debian packages Postbox builds, tests and benchmarks with; a no-op when present.
set -euo pipefail
PACKAGES=(build-essential cmake pkg-config clang-format libuv1-dev liblmdb-dev libfmt-dev
  doctest-dev libhiredis-dev redis-server redis-tools python3 python3-redis)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian's redis-server package starts a system instance on 6379; Postbox wants that port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
  systemctl disable redis-server >/dev/null 2>&1 || true
fi
