// Saving and restoring one DeepSeek-V4 sequence (StateV4 + its tokens) as a .safetensors file,
// so a conversation (`dseek chat --session FILE`) continues after a restart without prefilling
// it again, and continues exactly as if it had never stopped (every value is stored as the
// forward left it, bit for bit: fp32, and the official numerics' indexer keys as FP4 records).
//
// Tensors (all little-endian; `P` = "layers.L." for trunk layer L, "mtp.I." for MTP block I):
//   tokens                I32 [n]                 the sequence's tokens (n == pos)
//   positions             I64 [2]                 pos (trunk), mtp_pos (MTP block)
//   P win_kv              F32 [sliding_window, head_dim]   window ring (slot p % window = position p)
//   P comp                F32 [pos_L / r, head_dim]        compressed entries (r = compress_ratios[L];
//                                                           [0, head_dim] when r == 0)
//   P idx_keys            F32 [pos_L / r, index_head_dim]  indexer keys (CSA with fp32 keys; else
//                                                           [0, index_head_dim])
//   P idx_keys_fp4        U8 [ceil(pos_L / r / 16), R]     indexer keys as FP4 records (CSA with FP4
//                                                           keys; else [0, R]): kernels/fp4_index.h
//                                                           Fp4Keys, R = index_head_dim * 8 +
//                                                           index_head_dim / 32 * 16 bytes a record
//   P comp.a_cur, g_cur   F32 [pos_L % r, width]           compressor's partial block
//   P comp.a_prev, g_prev F32 [4, width] (r == 4) or [0, width]   previous block (overlapping compressor)
//   P idx.a_cur ... g_prev                                 the same for the indexer's compressor (CSA)
// where pos_L is pos for trunk layers and mtp_pos for MTP blocks, and width is the compressor's
// row width (2 x head_dim for r == 4, head_dim otherwise; 2 x index_head_dim for the indexer).
// Metadata: format "dseek-v4-session-2" (version 1, fp32 keys only, is refused by name), `shape`
// (the config's state shape, checked on load), `model` (the caller's identity: model fingerprint
// + numerics, checked on load, before the shape), `index_keys` ("f32" or "fp4-e2m1-32": the
// StateV4::fp4_index_keys the state is restored with) and `user` (caller text).
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
// tensor or key) when it is not a V4 session file of this format, records no or another
// identity, was saved for another state shape, or when a tensor is missing or has the wrong
// dtype or shape (checked against the positions it records), FP4 records hold codes past the
// keys, or a token is out of [0, vocab_size). Nothing is returned then; the caller's state is
// untouched. The indexer keys' storage is the file's (the identity ties it to the numerics).
StateV4 load_state_v4(const std::string& path, const ConfigV4& c, std::vector<int32_t>* tokens,
                      std::string* user_metadata, const std::string& identity);

// The state shape a session file records: layers, window, widths, ratios, hidden and vocab.
std::string state_shape_key_v4(const ConfigV4& c);

}  // namespace dseek
