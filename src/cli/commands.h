// Sub-commands of the `dseek` binary; each returns the process exit code and throws
// dseek::Error for bad input (main prints it and exits 1). Errors in the command line itself
// (unknown option, missing required option, a value CLI11 refuses) exit 2.
#pragma once
#include <string>
#include <vector>
#include <cstdint>

#include "engine/sampler.h"

namespace CLI {
class App;
class Option;
}

namespace dseek::cli {

// The built-in model directory: $DSEEK_MODEL, else models/nano-agent beside the binary's
// source tree or install prefix.
std::string default_model_dir();

// What -m accepts in every command but quantize (which reads a Hugging Face directory only).
inline constexpr const char* kModelHelp = "checkpoint directory or .gguf file (any part of a split set)";

// Adds the -m,--model option to `cmd`, the same for every command (main.cc); shows the
// default when `model` holds one.
CLI::Option* add_model_option(CLI::App* cmd, std::string& model, const std::string& help = kModelHelp);

struct ScoreArgs {
  std::string model_dir, ids_file, out_file, numerics = "exact";
  std::string parallel_mode = "ep";  // under mpirun (cli/parallel.h)
  bool decode = false;
};
int cmd_score(const ScoreArgs& a);

struct PerplexityArgs {
  std::string model_dir, text_file, kld_base, save_logprobs, numerics = "exact";
  int64_t ctx = 512, chunks = 0;
  bool json = false;
};
int cmd_perplexity(const PerplexityArgs& a);

struct InspectArgs {
  std::string model_dir, kv_budget, numerics = "exact";
  bool json = false;
  bool scan = false;  // read every tensor for NaN / Inf (cli/inspect_scan.h)
};
int cmd_inspect(const InspectArgs& a);

struct TokenizeArgs {
  std::string model_dir, text_file, decode_file;
};
int cmd_tokenize(const TokenizeArgs& a);

struct TemplateArgs {
  std::string model_dir, request_file, parse_file, chat_format = "v3.2";  // chat_format: v3 | v3.1 | v3.2 | v4
  bool think = false;
  bool served = false;  // the prompt run / chat / serve send (V3 / V3.1: tools in the system prompt)
};
int cmd_template(const TemplateArgs& a);

struct RunArgs {
  std::string model_dir, prompt, system, tools_file, request_file, numerics = "exact";
  std::string session;  // chat: conversation + KV cache file, restored at start, saved each turn
  std::string chat_format;  // v3 | v3.1 | v3.2 | v4; empty: the checkpoint's (engine/chat_format.h)
  std::string json_schema_file;  // run: the answer follows this JSON Schema (structured output)
  std::string parallel_mode = "ep";  // run under mpirun (cli/parallel.h)
  bool think = false, raw = false;
  bool json = false;  // run: the answer is a JSON object
  int max_tokens = 1024;
  int draft = 0;  // run, chat: tokens the MTP layer drafts a step (speculative decoding; 0 = off)
  SamplingParams sampling;
};
int cmd_run(const RunArgs& a);
int cmd_chat(const RunArgs& a);

struct BenchArgs {
  std::string model_dir;          // a checkpoint, or ...
  std::string synthetic;          // ... "real-layer": one layer with the real 671B shapes; "v4-flash-layer": V4-Flash's CSA + HCA layers
  int experts = 64;               // routed experts of the synthetic layer
  std::string weights = "fp8";    // weight mix of the synthetic layer (model/synthetic.h weight_mix)
  std::string phase = "all";      // prefill | decode | all
  std::string batches = "1";      // decode batch sizes, comma-separated
  std::string contexts = "0";     // decode context lengths (cached tokens), comma-separated
  int prefill_tokens = 512;
  bool dense_attention = false, json = false, kernels = false, mtp = false;
  int threads = 0, repeat = 3;
  std::string numerics = "exact";
  std::string drafts;  // speculative decoding rows for these draft counts, comma-separated (cli/bench_spec.h)
};
int cmd_bench(const BenchArgs& a);
// --synthetic v4-flash-layer (cli/bench_v4.cc).
int bench_v4(const BenchArgs& a);

// "512M", "2G", "1.5GiB", "1000000" -> bytes; throws dseek::Error naming `flag`.
int64_t parse_bytes(const std::string& s, const std::string& flag);

struct VirtualArgs {
  std::string config, out, format = "safetensors", type = "q4_k_m", split_max_size = "50G";
  int shards = 163;
};
int cmd_virtual_checkpoint(const VirtualArgs& a);

struct ServeArgs {
  std::string model_dir, host = "127.0.0.1", api_key, numerics = "exact";
  int port = 8080, parallel = 4;
  int64_t ctx_size = 0;  // 0: the model's max_position_embeddings
  std::string kv_budget;  // KV-cache memory, e.g. "2G", "512M" (empty: unbounded)
  int prefill_chunk = 512;
  double prefill_step_ms = 0;
  std::string chat_format;  // v3 | v3.1 | v3.2 | v4; empty: the checkpoint's
  std::vector<std::string> served_model_names;  // names clients use (default: the checkpoint's)
  std::vector<std::string> cors_origins;        // empty: no CORS headers
  bool reuse_port = false;                      // SO_REUSEPORT (default: the port must be free)
  bool no_webui = false;                        // no web chat at GET /
  std::string max_body_bytes = "8M";            // larger request bodies get 413
  double request_timeout_s = 0;                 // > 0: generation requests end with 504 after this long
  int64_t max_queued = 0;                       // > 0: requests beyond this many waiting get 503
  int draft = 0;                                // tokens the MTP layer drafts a step (0: off)
};
int cmd_serve(const ServeArgs& a);

struct AgentArgs {
  std::string task;               // empty: interactive session
  std::string workdir = ".";
  std::string model_dir;          // local engine (default: built-in model) ...
  std::string endpoint, api_key_env, model_name;  // ... or an OpenAI-compatible endpoint
  bool think = false, unsafe_no_sandbox = false;
  int max_steps = 20;
  double max_time_s = 600;        // wall-time budget for the whole task
  int format_retries = 3;         // malformed replies in a row answered before the task stops
  std::string approve;            // auto | ask | never; empty: ask on a terminal, else never
  std::string system = "You are a helpful assistant.";
  std::string tools;              // comma-separated subset of tool names; empty: all
  std::vector<std::string> mcp;   // MCP server command lines
  std::string transcript, resume;
  RunArgs gen;                    // max_tokens, sampling, numerics
};
int cmd_agent(const AgentArgs& a);

struct QuantizeArgs {
  std::string model_dir, out, type, name, split_max_size;
  std::vector<std::string> tensor_types;  // "REGEX=TYPE"
  int split_max_tensors = 0, threads = 0;
  bool dry_run = false, no_vocab = false;
};
// Registers `dseek quantize` and its options on `app` (cmd_quantize.cc).
CLI::App* add_quantize_command(CLI::App& app, QuantizeArgs& a);
int cmd_quantize(const QuantizeArgs& a);

}  // namespace dseek::cli
