// `dseek inspect` on a DeepSeek-V4 checkpoint (config.json model_type "deepseek_v4"): every
// tensor validated (ModelV4::load binds them all), layers by kind, weights by class with what
// one decoded token reads, and the memory plan of the per-sequence state (model_v4/plan_v4.h).
#pragma once
#include <string>

#include "cli/commands.h"

namespace dseek::cli {

// True when `text` (a config.json) is a JSON object whose model_type is "deepseek_v4"; false
// for anything else, invalid JSON included (the V3 reader then reports it).
bool config_text_is_v4(const std::string& text);
// True when `path` is a directory whose config.json is a V4 config (config_text_is_v4).
bool is_v4_checkpoint_dir(const std::string& path);

// The inspect report of the V4 checkpoint a.model_dir: text, or one JSON object with a.json.
// Throws dseek::Error naming the file and tensor / key for any defect. Returns 0.
int inspect_v4(const InspectArgs& a);

}  // namespace dseek::cli
