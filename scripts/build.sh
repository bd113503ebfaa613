#!/usr/bin/env bash
# build.sh [release|sanitize] [target...]: configures and builds into build/ or build-sanitize/.
# With targets, builds only those (the Dockerfile builds just postbox-server); without, all.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
if (($#)); then shift; fi
targets=()
if (($#)); then targets=(--target "$@"); fi
jobs=$(nproc 2>/dev/null || echo 2)
if [[ $kind == sanitize ]]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DPOSTBOX_SANITIZE=ON >/dev/null
  cmake --build build-sanitize -j"$jobs" "${targets[@]}"
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$jobs" "${targets[@]}"
fi
