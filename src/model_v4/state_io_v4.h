// Saving and restoring one DeepSeek-V4 sequence (StateV4 + its tokens) as a .safetensors file,
// so a conversation (`dseek chat --session FILE`) continues after a restart without prefilling
// it again, and continues exactly as if it had never stopped (every value is stored as the
// forward left it, fp32, bit for bit).
//
// Tensors (all little-endian; `P` = "layers.L." for trunk layer L, "mtp.I." for MTP block I):
//   tokens                I32 [n]                 the sequence's tokens (n == pos)
//   positions             I64 [2]                 pos (trunk), mtp_pos (MTP block)
//   P win_kv              F32 [sliding_window, head_dim]   window ring (slot p % window = position p)
//   P comp                F32 [pos_L / r, head_dim]        compressed entries (r = compress_ratios[L];
//                                                           [0, head_dim] when r == 0)
//   P idx_keys            F32 [pos_L / r, index_head_dim]  indexer keys (CSA; else [0, index_head_dim])
//   P comp.a_cur, g_cur   F32 [pos_L % r, width]           compressor's partial block
//   P comp.a_prev, g_prev F32 [4, width] (r == 4) or [0, width]   previous block (overlapping compressor)
//   P idx.a_cur ... g_prev                                 the same for the indexer's compressor (CSA)
// where pos_L is pos for trunk layers and mtp_pos for MTP blocks, and width is the compressor's
// row width (2 x head_dim for r == 4, head_dim otherwise; 2 x index_head_dim for the indexer).
// Metadata: format "dseek-v4-session-1", `shape` (the config's state shape, checked on load),
// `model` (the caller's identity: model fingerprint + numerics, checked on load, before the
// shape) and `user` (caller text).
// Source: the layout of StateV4 (state_v4.h); the V3 counterpart is model/kv_session.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model_v4/config_v4.h"
#include "model_v4/state_v4.h"

namespace dseek {

// Writes st and tokens (tokens.size() == st.pos) to `path` atomically (a temp file beside it,
// then rename). Throws dseek::Error naming the file on I/O failure or when tokens.size() !=
// st.pos or the state does not have c's shape (nothing is written then).
void save_state_v4(const std::string& path, const ConfigV4& c, const StateV4& st, const std::vector<int32_t>& tokens,
                   const std::string& user_metadata, const std::string& identity);

// Reads a file save_state_v4 wrote for config c. Throws dseek::Error naming the file (and the
// tensor or key) when it is not a V4 session file, records no or another identity, was saved
// for another state shape, or when a tensor is missing or has the wrong dtype or shape
// (checked against the positions it records), or a token is out of [0, vocab_size). Nothing
// is returned then; the caller's state is untouched.
StateV4 load_state_v4(const std::string& path, const ConfigV4& c, std::vector<int32_t>* tokens,
                      std::string* user_metadata, const std::string& identity);

// The state shape a session file records: layers, window, widths, ratios, hidden and vocab.
std::string state_shape_key_v4(const ConfigV4& c);

}  // namespace dseek
