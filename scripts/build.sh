#!/usr/bin/env bash
# build.sh [release|sanitize]: configures and builds into build/ or build-sanitize/.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
if [[ $kind == sanitize ]]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DPOSTBOX_SANITIZE=ON >/dev/null
  cmake --build build-sanitize -j"$jobs"
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$jobs"
fi
