#!/usr/bin/env bash
# Builds dseek and runs the whole test suite with CTest (parity against the oracle goldens,
# tokenizer and chat vectors, the built-in model's samples, CLI and error-path tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# One OpenMP thread per test process: ctest runs tests in parallel, one per core.
export OMP_NUM_THREADS=1
ctest --test-dir build --output-on-failure -j"$(nproc)"
