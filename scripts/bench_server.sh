#!/usr/bin/env bash
# Aggregate decode throughput of `dseek serve` at 1, 2 and 4 parallel sequences.
#
# For each P it starts `dseek serve --parallel P` on a free port, sends P identical text
# completions at once (ignore_eos, so each decodes exactly N tokens), and reports
#   wall tok/s    P * N / wall time of the whole batch (prefill and HTTP included);
#   decode tok/s  decoded tokens / time of the decode-only steps during the batch, all
#                 sequences together (the server's dseek_decode_* counters in /metrics).
# Usage: scripts/bench_server.sh [DSEEK_BINARY] [N_TOKENS]   (defaults: build/dseek, 256)
#   drafted / accepted  tokens the MTP layer drafted and the main model accepted (--draft).
# Env: DSEEK_MODEL (checkpoint dir; default: the built-in model), OMP_NUM_THREADS,
#      DSEEK_SERVE_ARGS (more `serve` options, e.g. "--draft 2"; word-split),
#      DSEEK_PARALLEL (the parallel counts to run; default "1 2 4").
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/dseek}
N=${2:-256}
MODEL_ARGS=()
if [ -n "${DSEEK_MODEL:-}" ]; then MODEL_ARGS=(-m "$DSEEK_MODEL"); fi
read -r -a SERVE_ARGS <<<"${DSEEK_SERVE_ARGS:-}"
command -v curl >/dev/null || { echo "bench_server.sh: curl is needed" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench_server.sh: no binary at $BIN (build first: scripts/build.sh)" >&2; exit 1; }

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

metric() {  # metric NAME PORT -> value
  local page
  page=$(curl -sf "http://127.0.0.1:$2/metrics") || { echo "GET /metrics failed" >&2; exit 1; }
  awk -v n="$1" 'index($1, n "{") == 1 {print $2}' <<<"$page"
}
now() { date +%s.%N; }

prompt='<｜User｜>Tell me a long story about a robot.<｜Assistant｜></think>'
body() { printf '{"prompt": "%s", "max_tokens": %d, "temperature": 0, "ignore_eos": true}' "$prompt" "$1"; }

printf '%-9s %-9s %-11s %-12s %s\n' parallel "wall s" "wall tok/s" "decode tok/s" "drafted / accepted"
for P in ${DSEEK_PARALLEL:-1 2 4}; do
  "$BIN" serve "${MODEL_ARGS[@]}" "${SERVE_ARGS[@]}" --port 0 --parallel "$P" 2>"$TMP/err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do grep -q "listening on" "$TMP/err" && break; sleep 0.1; done
  PORT=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$TMP/err")
  [ -n "$PORT" ] || { cat "$TMP/err" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$PORT/v1/completions" -d "$(body 8)" >/dev/null || { echo "warm-up request failed" >&2; exit 1; }
  TOK0=$(metric dseek_decode_tokens_total "$PORT")
  SEC0=$(metric dseek_decode_seconds_total "$PORT")
  DR0=$(metric dseek_draft_tokens_total "$PORT")
  AC0=$(metric dseek_draft_accepted_total "$PORT")
  T0=$(now)
  PIDS=()
  for i in $(seq 1 "$P"); do
    curl -s "http://127.0.0.1:$PORT/v1/completions" -d "$(body "$N")" -o "$TMP/out$i" &
    PIDS+=($!)
  done
  wait "${PIDS[@]}"
  T1=$(now)
  for i in $(seq 1 "$P"); do
    grep -q "\"completion_tokens\":$N" "$TMP/out$i" || { echo "request $i did not decode $N tokens: $(cat "$TMP/out$i")" >&2; exit 1; }
  done
  TOK1=$(metric dseek_decode_tokens_total "$PORT")
  SEC1=$(metric dseek_decode_seconds_total "$PORT")
  DR1=$(metric dseek_draft_tokens_total "$PORT")
  AC1=$(metric dseek_draft_accepted_total "$PORT")
  awk -v p="$P" -v n="$N" -v t0="$T0" -v t1="$T1" -v a0="$TOK0" -v a1="$TOK1" -v s0="$SEC0" -v s1="$SEC1" \
    -v d="$((DR1 - DR0))" -v c="$((AC1 - AC0))" \
    'BEGIN { w = t1 - t0; printf "%-9d %-9.2f %-11.1f %-12.1f %d / %d\n", p, w, p * n / w, (s1 > s0) ? (a1 - a0) / (s1 - s0) : 0, d, c }'
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
done
