#!/bin/bash
# Does llama.cpp load what dseek quantize writes, and compute the same model? A manual check
# (it downloads ~45 MB from the npm registry; not run by CI):
#   tests/convert/llama_cpp/check.sh BUILD_DIR [WORK_DIR]
# Takes llama.cpp de3ff815 as npm's node-llama-cpp 3.22.1 ships it (prebuilt CPU libraries +
# the source bundle for the headers), gives tiny-moe-dsa the 512-id tokenizer of the fixture
# GGUF, converts it to F32 / Q8_0 / Q4_K_M, and compares llama.cpp's prefill logits with
# dseek's on the same file and with the FP8 checkpoint.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$(cd "${1:?usage: check.sh BUILD_DIR [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work" && cd "$work"
if [ ! -d lib ]; then
  npm pack --silent node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >/dev/null
  mkdir -p pkg bin && tar xzf node-llama-cpp-3.22.1.tgz -C pkg && tar xzf node-llama-cpp-linux-x64-3.22.1.tgz -C bin
  git clone -q pkg/package/llama/gitRelease.bundle llama.cpp
  mv bin/package/bins/linux-x64 lib
fi
g++ -std=c++17 -O1 -I llama.cpp/include -I llama.cpp/ggml/include "$here/llama_logits.cc" -o llama_logits \
  -L lib -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -lggml-base -Wl,-rpath,"$work/lib"
mkdir -p tiny && ln -sf "$repo"/tests/data/fixtures/tiny-moe-dsa/{config.json,*.safetensors*} tiny/
python3 "$here/make_tokenizer.py" "$repo/tests/data/fixtures/gguf/gguf-v32/gguf-v32-Q8_0.gguf" "$repo/models/nano-agent" tiny
python3 -c "print([(i * 131 + 7) % 512 for i in range(24)])" > ids.json
"$build/dseek" score -m tiny --ids-file ids.json --out fp8.safetensors >/dev/null 2>&1
for t in f32 q8_0 q4_k_m; do
  "$build/dseek" quantize -m tiny --out tiny-$t.gguf --type $t 2>/dev/null
  GGML_BACKEND_DIR="$work/lib" ./llama_logits tiny-$t.gguf llama-$t.bin >/dev/null 2>llama-$t.log
  "$build/dseek" score -m tiny-$t.gguf --ids-file ids.json --out dseek-$t.safetensors >/dev/null 2>&1
  echo "$t: llama.cpp vs dseek, same GGUF:  $(python3 "$here/compare.py" llama-$t.bin dseek-$t.safetensors)"
  echo "$t: llama.cpp vs dseek on the FP8: $(python3 "$here/compare.py" llama-$t.bin fp8.safetensors)"
done
