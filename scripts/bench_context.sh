#!/usr/bin/env bash
# DSA's flat decode cost, measured: decode step time of the synthetic `real-layer` model
# (one layer with the real 671B shapes) at growing context, with DSA top-k sparse attention
# and with --dense-attention, as a table and a PNG plot (gnuplot).
# Usage: scripts/bench_context.sh [OUT_DIR] [CONTEXTS] [EXTRA BENCH FLAGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out}
contexts=${2:-1024,4096,16384,65536}
shift $(( $# > 2 ? 2 : $# )) || true
mkdir -p "$out"
for mode in sparse dense; do
  flag=""
  [ "$mode" = dense ] && flag="--dense-attention"
  build/dseek bench --synthetic real-layer --phase decode --context "$contexts" $flag --json "$@" > "$out/context_$mode.json"
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rows = {}
for mode in ("sparse", "dense"):
    d = json.load(open(f"{out}/context_{mode}.json"))
    rows[mode] = [(r["context"], r["seconds"] * 1000.0) for r in d["results"] if r["phase"] == "decode"]
    with open(f"{out}/context_{mode}.dat", "w") as f:
        for c, ms in rows[mode]:
            f.write(f"{c} {ms:.3f}\n")
print(f"{'context':>8} {'DSA ms/step':>12} {'dense ms/step':>14}")
for (c, s), (_, d) in zip(rows["sparse"], rows["dense"]):
    print(f"{c:>8} {s:>12.1f} {d:>14.1f}")
base = dict(rows["sparse"])
if 4096 in base and 65536 in base:
    print(f"DSA: time at 64K / time at 4K = {base[65536] / base[4096]:.2f}")
PY
if command -v gnuplot >/dev/null; then
  gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced
set output "$out/context.png"
set title "real-layer decode step (batch 1) vs context: DSA top-2048 vs dense attention"
set xlabel "context (cached tokens)"
set ylabel "ms per decode step"
set logscale x 2
set key left top
set grid
plot "$out/context_sparse.dat" using 1:2 with linespoints lw 2 title "DSA (sparse top-k)", \
     "$out/context_dense.dat" using 1:2 with linespoints lw 2 title "--dense-attention"
GP
  echo "plot: $out/context.png"
else
  echo "gnuplot not installed (apt-get install gnuplot-nox) - no plot"
fi
