#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan + UBSan) in build-fuzz and runs each for
# SECONDS (default 60) on a copy of its seed corpus fuzz/corpus/TARGET (--grow: on the corpus
# itself, so new inputs stay). Prints per target the executions, coverage (libFuzzer's final
# cov:) and corpus size; exits 1 on any finding (crash, sanitizer report, leak, timeout, OOM),
# naming the input that triggered it (kept under build-fuzz/findings/TARGET/).
# Usage: scripts/fuzz.sh [--grow] [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
grow=0
if [ "${1:-}" = "--grow" ]; then grow=1; shift; fi
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors safetensors_index config gguf tokenizer chat_stream chat_encode)

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  bash scripts/install-deps.sh --fuzz >/dev/null || { echo "fuzz.sh: clang with libFuzzer is needed (scripts/install-deps.sh --fuzz)" >&2; exit 1; }
fi
mkdir -p build-fuzz
# -g1: line tables are all a finding's stack trace needs, at about half the compile time of -g.
{ CC=clang CXX=clang++ cmake -S . -B build-fuzz -DDSEEK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" &&
  cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"; } >build-fuzz/build.log 2>&1 ||
  { cat build-fuzz/build.log; echo "fuzz.sh: the fuzz build failed" >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
printf '%-18s %10s %8s %8s  %s\n' target execs cov corpus result
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  if [ "$grow" = 0 ]; then
    mkdir -p "$work/$t"
    cp -r "$corpus/." "$work/$t/"
    corpus=$work/$t
  fi
  findings=build-fuzz/findings/$t
  mkdir -p "$findings"
  log=build-fuzz/findings/$t.log
  rc=0
  "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  size=$(find "$corpus" -type f | wc -l)
  if [ "$rc" = 0 ]; then
    result=ok
  else
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FINDING (exit $rc): ${input:-no input saved} (log: $log)"
    failed+=("$t")
  fi
  printf '%-18s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$size" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]} (reproduce: build-fuzz/fuzz/fuzz_TARGET INPUT)" >&2
  exit 1
fi
