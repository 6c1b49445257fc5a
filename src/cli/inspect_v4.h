// `dseek inspect` on a DeepSeek-V4 checkpoint (config.json model_type "deepseek_v4"): every
// tensor validated (ModelV4::load binds them all), layers by kind, weights by class with what
// one decoded token reads, and the memory plan of the per-sequence state (model_v4/plan_v4.h).
#pragma once
#include <string>

#include "cli/commands.h"

namespace dseek::cli {

// The inspect report of the V4 checkpoint a.model_dir: text, or one JSON object with a.json.
// Throws dseek::Error naming the file and tensor / key for any defect. Returns 0.
int inspect_v4(const InspectArgs& a);

}  // namespace dseek::cli
