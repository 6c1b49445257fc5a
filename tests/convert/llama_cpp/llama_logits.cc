// llama_logits GGUF OUT: loads GGUF with llama.cpp (libllama of npm @node-llama-cpp/linux-x64
// 3.22.1, llama.cpp de3ff815, the fixtures' version), prefills the 24 ids (i * 131 + 7) % 512
// (fp32 KV cache, no flash attention, one thread) and writes every position's logits to OUT as
// raw float32 [24, n_vocab]. Used by check.sh; not part of the build.
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "llama.h"
#include "ggml-backend.h"
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  ggml_backend_load_all_from_path(std::getenv("GGML_BACKEND_DIR"));
  llama_backend_init();
  auto mp = llama_model_default_params();
  llama_model* m = llama_model_load_from_file(argv[1], mp);
  if (!m) { std::fprintf(stderr, "load failed\n"); return 1; }
  auto cp = llama_context_default_params();
  cp.n_ctx = 256; cp.n_batch = 256; cp.n_ubatch = 256; cp.n_threads = 1; cp.n_threads_batch = 1;
  cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  llama_context* ctx = llama_init_from_model(m, cp);
  if (!ctx) { std::fprintf(stderr, "context failed\n"); return 1; }
  std::vector<llama_token> toks;
  for (int i = 0; i < 24; ++i) toks.push_back((i * 131 + 7) % 512);
  llama_batch b = llama_batch_init(toks.size(), 0, 1);
  for (size_t i = 0; i < toks.size(); ++i) {
    b.token[i] = toks[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1;
  }
  b.n_tokens = toks.size();
  if (llama_decode(ctx, b) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
  const int nv = llama_vocab_n_tokens(llama_model_get_vocab(m));
  FILE* f = std::fopen(argv[2], "wb");
  for (size_t i = 0; i < toks.size(); ++i) std::fwrite(llama_get_logits_ith(ctx, i), 4, nv, f);
  std::fclose(f);
  std::printf("ok %d tokens x %d vocab\n", (int)toks.size(), nv);
}
