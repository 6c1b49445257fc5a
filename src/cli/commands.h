// Sub-commands of the `dseek` binary; each returns the process exit code and throws
// dseek::Error for bad input (main prints it and exits 1).
#pragma once
#include <string>

#include "engine/sampler.h"

namespace dseek::cli {

// The built-in model directory: $DSEEK_MODEL, else models/nano-agent beside the binary's
// source tree or install prefix.
std::string default_model_dir();

struct ScoreArgs {
  std::string model_dir, ids_file, out_file, numerics = "exact";
  bool decode = false;
};
int cmd_score(const ScoreArgs& a);

struct InspectArgs {
  std::string model_dir;
  bool json = false;
};
int cmd_inspect(const InspectArgs& a);

struct TokenizeArgs {
  std::string model_dir, text_file, decode_file;
};
int cmd_tokenize(const TokenizeArgs& a);

struct TemplateArgs {
  std::string model_dir, request_file, parse_file;
  bool think = false;
};
int cmd_template(const TemplateArgs& a);

struct RunArgs {
  std::string model_dir, prompt, system, tools_file, request_file, numerics = "exact";
  bool think = false, raw = false;
  int max_tokens = 1024;
  SamplingParams sampling;
};
int cmd_run(const RunArgs& a);
int cmd_chat(const RunArgs& a);

}  // namespace dseek::cli
