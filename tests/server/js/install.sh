#!/usr/bin/env bash
# Installs the Node test clients' dependencies (the official `openai` and `@anthropic-ai/sdk`
# packages) into tests/server/js/node_modules, exactly as pinned by package-lock.json. The
# server tests skip the Node client tests when node_modules is absent.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "install.sh: npm not found (Node.js 20+ is needed for the npm client tests)" >&2
  exit 1
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
