#!/usr/bin/env bash
# Installs the Debian build dependencies (once) and builds dseek into ./build (Release).
# Usage: scripts/build.sh [--target T ...] [extra cmake -D options]
#   --target dseek: only the command-line tool (the quick start), not the test programs.
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=() targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || { echo "build.sh: --target needs a name" >&2; exit 2; }; targets+=(--target "$2"); shift 2 ;;
    *) cfg+=("$1"); shift ;;
  esac
done
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${cfg[@]+"${cfg[@]}"} >/dev/null
cmake --build build -j"$(nproc)" ${targets[@]+"${targets[@]}"}
