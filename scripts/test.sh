#!/usr/bin/env bash
# Builds dseek and runs the whole test suite with CTest (parity against the oracle goldens,
# tokenizer and chat vectors, the built-in model's samples, CLI and error-path tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# The official `openai` and `@anthropic-ai/sdk` npm clients drive the server in two tests (skipped without them).
if command -v npm >/dev/null; then
  bash tests/server/js/install.sh >/dev/null || {
    echo "test.sh: could not install the npm client packages; the real-client server tests will be skipped" >&2
    [ "${DSEEK_REQUIRE_NODE_CLIENT:-0}" = "1" ] && exit 1
  }
fi
# Headless Chromium drives the web chat page in one test (skipped without it).
bash scripts/install-deps.sh --browser >/dev/null || {
  echo "test.sh: could not install chromium; the web chat's browser test will be skipped" >&2
  [ "${DSEEK_REQUIRE_NODE_CLIENT:-0}" = "1" ] && exit 1
}
# One OpenMP thread per test process: ctest runs tests in parallel, one per core.
export OMP_NUM_THREADS=1
ctest --test-dir build --output-on-failure -j"$(nproc)"
