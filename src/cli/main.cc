// dseek: DeepSeek-V3.x and V4 inference engine and agent runtime — command-line entry point.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/parallel.h"
#include "mpi/communicator.h"
#include "runtime/error.h"
#include "runtime/threads.h"

#ifndef DSEEK_SOURCE_DIR
#define DSEEK_SOURCE_DIR ""
#endif

namespace dseek::cli {

std::string default_model_dir() {
  namespace fs = std::filesystem;
  if (const char* e = std::getenv("DSEEK_MODEL")) return e;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> tries;
  if (!ec) {
    tries.push_back(exe.parent_path() / "models/nano-agent");
    tries.push_back(exe.parent_path().parent_path() / "models/nano-agent");
    tries.push_back(exe.parent_path().parent_path() / "share/dseek/models/nano-agent");
  }
  tries.push_back(fs::path(DSEEK_SOURCE_DIR) / "models/nano-agent");
  tries.push_back("models/nano-agent");
  for (const auto& p : tries)
    if (fs::exists(p / "config.json")) return p.string();
  return "models/nano-agent";
}

CLI::Option* add_model_option(CLI::App* cmd, std::string& model, const std::string& help) {
  CLI::Option* o = cmd->add_option("-m,--model", model, help);
  if (!model.empty()) o->capture_default_str();
  return o;
}

namespace {

// --numerics, the same three modes for every command that runs the model.
void add_numerics_option(CLI::App* c, std::string& v, const std::string& note = "") {
  c->add_option("--numerics", v,
                "exact (fp32 activations, the reference's values) | official (DeepSeek's FP8/bf16 serving "
                "numerics) | int8 (GGUF Q2_K/Q4_K/Q6_K/IQ2_XXS weights times int8 activations, llama.cpp's CPU "
                "numerics: faster decode)" + note)
      ->check(CLI::IsMember({"exact", "official", "int8"}))
      ->capture_default_str();
}


// A command-line error CLI11 found (unknown option or sub-command, missing required option,
// a value it cannot convert or that fails a check): CLI11's message and where to read the
// usage, exit 2. Runtime errors (bad files, bad values found later) exit 1.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string cmd = "dseek", what = e.what();
  for (const CLI::App* sub : app.get_subcommands()) cmd += " " + sub->get_name();
  // "dseek frob": CLI11 says only that a sub-command is required.
  if (app.get_subcommands().empty() && !app.remaining().empty() && app.remaining().front().rfind('-', 0) != 0) {
    what = "unknown command '" + app.remaining().front() + "'; one of";
    for (const CLI::App* sub : app.get_subcommands({})) what += " " + sub->get_name();
  }
  std::cerr << "dseek: error: " << what << "\nrun '" << cmd << " --help' for the options\n";
  return 2;
}

constexpr const char* kChatFormats =
    "v3 (DeepSeek-V3 / V3-0324) | v3.1 (V3.1 / V3.1-Terminus) | v3.2 (V3.2, V3.2-Speciale) | v4 (DeepSeek-V4)";

// --chat-format of run, chat and serve: overrides the format found in the checkpoint.
void add_chat_format_option(CLI::App* c, std::string& v) {
  c->add_option("--chat-format", v,
                std::string(kChatFormats) + " (default: the checkpoint's, from its chat template and config.json; "
                                            "`dseek inspect` shows it)")
      ->check(CLI::IsMember({"v3", "v3.1", "v3.2", "v4"}));
}

void add_sampling(CLI::App* c, RunArgs& a) {
  c->add_option("--temperature", a.sampling.temperature, "sampling temperature; 0 = greedy")->capture_default_str();
  c->add_option("--top-p", a.sampling.top_p, "nucleus sampling mass (1 = off)")->capture_default_str();
  c->add_option("--top-k", a.sampling.top_k, "keep the k most likely tokens (0 = off)")->capture_default_str();
  c->add_option("--min-p", a.sampling.min_p, "drop tokens below min-p x the top probability (0 = off)")->capture_default_str();
  c->add_option("--seed", a.sampling.seed, "random seed (0 = random)")->capture_default_str();
  c->add_option("--max-tokens", a.max_tokens, "maximum tokens to generate")->capture_default_str();
  add_numerics_option(c, a.numerics);
}

// The exception being handled, as the message and exit status main reports (1; 2 is a usage
// error).
int report_current_error() {
  try {
    throw;
  } catch (const dseek::Error& e) {
    std::cerr << "dseek: error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "dseek: error: out of memory (the input needs more memory than this machine has)\n";
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "dseek: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "dseek: internal error: " << e.what() << "\n";
  }
  return 1;
}

// A number >= 0. CLI11's NonNegativeNumber names its upper bound, the largest double, in full.
CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& s) {
        size_t used = 0;
        double v = 0;
        try {
          v = std::stod(s, &used);
        } catch (const std::exception&) {
          return "'" + s + "' is not a number";
        }
        if (used != s.size() || !std::isfinite(v)) return "'" + s + "' is not a number";
        return v < 0 ? "must be >= 0, got " + s : std::string();
      },
      "NUMBER>=0");
}

// --parallel-mode of the commands that run under mpirun (cli/parallel.h).
void add_parallel_mode_option(CLI::App* cmd, std::string& mode) {
  cmd->add_option("--parallel-mode", mode,
                  "under mpirun with N > 1 ranks: ep = routed experts split over the ranks (ep+tp: not yet)")
      ->check(CLI::IsMember({"ep", "ep+tp"}))
      ->capture_default_str();
}

void add_draft(CLI::App* c, RunArgs& a) {
  c->add_option("--draft", a.draft,
                "speculative decoding: tokens the checkpoint's MTP layer drafts a step, verified together by the main "
                "model (0 = off, at most 6; greedy output is unchanged, sampling keeps its distribution; DeepSeek-V3.x)")
      ->capture_default_str();
}

}  // namespace

}  // namespace dseek::cli

int main(int argc, char** argv) {
  using namespace dseek::cli;
  dseek::configure_threads_early(argv);
  set_command_line(argc, argv);
  CLI::App app{"dseek — DeepSeek-V3.x (V3, V3.1, V3.2) and V4 inference engine and agent runtime"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dseek 0.1.0");
  const std::string def_model = default_model_dir();

  RunArgs run;
  run.model_dir = def_model;
  auto* c_run = app.add_subcommand("run", "answer one prompt (reasoning shown apart from the answer)");
  add_model_option(c_run, run.model_dir);
  c_run->add_option("-p,--prompt", run.prompt, "the user message");
  c_run->add_option("--system", run.system, "system prompt");
  c_run->add_option("--tools", run.tools_file, "JSON file with OpenAI tool schemas");
  c_run->add_option("--request-file", run.request_file, "an OpenAI-style request body (JSON) instead of -p");
  c_run->add_flag("--think", run.think, "thinking mode");
  c_run->add_flag("--raw", run.raw, "print exactly the decoded generated tokens (special tokens included)");
  c_run->add_option("--json-schema", run.json_schema_file,
                    "the answer is JSON this JSON Schema file accepts (constrained decoding; after the reasoning with --think)");
  c_run->add_flag("--json", run.json, "the answer is a JSON object (constrained decoding)");
  add_chat_format_option(c_run, run.chat_format);
  add_sampling(c_run, run);
  add_draft(c_run, run);

  RunArgs chat = run;
  add_parallel_mode_option(c_run, run.parallel_mode);

  auto* c_chat = app.add_subcommand("chat", "interactive chat (keeps history; /help lists the commands: /reset, /exit)");
  add_model_option(c_chat, chat.model_dir);
  c_chat->add_option("--system", chat.system, "system prompt");
  c_chat->add_option("--tools", chat.tools_file, "refused: chat does not run tool calls; use `dseek agent` (tools run in a sandbox, with approval)");
  c_chat->add_flag("--think", chat.think, "thinking mode");
  c_chat->add_option("--session", chat.session, "keep the conversation and its KV cache in this file (restored at start, saved after each turn)");
  add_chat_format_option(c_chat, chat.chat_format);
  add_sampling(c_chat, chat);
  add_draft(c_chat, chat);

  InspectArgs insp;
  insp.model_dir = def_model;
  auto* c_insp = app.add_subcommand("inspect", "config, tensor inventory, parameter counts, memory plan");
  add_model_option(c_insp, insp.model_dir);
  c_insp->add_flag("--json", insp.json, "machine-readable output");
  c_insp->add_flag("--scan", insp.scan, "read every tensor and report NaN / Inf by tensor (exit 1 if any)");
  c_insp->add_option("--kv-budget", insp.kv_budget, "KV-cache memory for the max-context line (default: memory available now)");
  add_numerics_option(c_insp, insp.numerics, "; the cache's element size follows it");

  ScoreArgs score;
  score.model_dir = def_model;
  auto* c_score = app.add_subcommand("score", "logits of a token-id sequence to a safetensors file");
  add_model_option(c_score, score.model_dir);
  c_score->add_option("--ids-file", score.ids_file, "JSON array of token ids")->required();
  c_score->add_option("--out", score.out_file, "output .safetensors (F32 `logits` [n_tokens, vocab])")->required();
  c_score->add_flag("--decode", score.decode, "feed the ids one at a time through the decode path");
  add_numerics_option(c_score, score.numerics);
  add_parallel_mode_option(c_score, score.parallel_mode);

  TokenizeArgs tok;
  tok.model_dir = def_model;
  auto* c_tok = app.add_subcommand("tokenize", "text -> ids (JSON array), or ids -> text (JSON string)");
  add_model_option(c_tok, tok.model_dir, "checkpoint directory (its tokenizer.json) or .gguf file (its vocabulary)");
  auto* o_text = c_tok->add_option("--text-file", tok.text_file, "text to encode (no BOS added)");
  auto* o_dec = c_tok->add_option("--decode-file", tok.decode_file, "JSON array of ids to decode");
  o_text->excludes(o_dec);

  TemplateArgs tmpl;
  tmpl.model_dir = def_model;
  auto* c_tmpl = app.add_subcommand("template", "render a request to the exact prompt (V3.2, V4, V3, V3.1), or parse a completion");
  add_model_option(c_tmpl, tmpl.model_dir);
  auto* o_req = c_tmpl->add_option("--request-file", tmpl.request_file,
                                   "OpenAI-style request body (JSON); with --chat-format v4 also the encoder's options as "
                                   "top-level fields: thinking_mode, reasoning_effort, drop_thinking, "
                                   "add_default_bos_token, context; with v3 / v3.1 the chat template's arguments: "
                                   "add_generation_prompt (default true), chat_template_kwargs (v3.1: thinking)");
  auto* o_parse = c_tmpl->add_option("--parse-file", tmpl.parse_file, "completion text to parse");
  o_req->excludes(o_parse);
  c_tmpl->add_flag("--think", tmpl.think, "thinking mode");
  c_tmpl->add_option("--chat-format", tmpl.chat_format, kChatFormats)
      ->check(CLI::IsMember({"v3", "v3.1", "v3.2", "v4"}))
      ->capture_default_str();
  c_tmpl->add_flag("--served", tmpl.served,
                   "the prompt run / chat / serve send: with v3 / v3.1 the request's tools written into the system "
                   "prompt (the chat templates ignore them); the same prompt for v3.2 and v4");

  BenchArgs bench;
  auto* c_bench = app.add_subcommand("bench", "tokens/s, GB/s and GFLOP/s against this machine's measured roofline");
  add_model_option(c_bench, bench.model_dir, std::string(kModelHelp) + " (default: the built-in model)");
  c_bench->add_option("--synthetic", bench.synthetic, "built-in synthetic model: real-layer (V3.2) | v4-flash-layer (V4-Flash: a CSA and an HCA layer)")->check(CLI::IsMember({"real-layer", "v4-flash-layer"}));
  c_bench->add_option("--experts", bench.experts, "routed experts of the synthetic layer: real-layer 1..256 (default 64), v4-flash-layer 6..256 (default 16)");
  c_bench->add_option("--weights", bench.weights, "weight types of the synthetic layer: fp8 | q8_0 | q4_k-mix | q4_k_m | q2_k | iq2_xxs-mix")
      ->check(CLI::IsMember({"fp8", "q8_0", "q4_k-mix", "q4_k_m", "q2_k", "iq2_xxs-mix"}))->capture_default_str();
  c_bench->add_option("--phase", bench.phase, "prefill | decode | all")->check(CLI::IsMember({"prefill", "decode", "all"}))->capture_default_str();
  c_bench->add_option("--batch", bench.batches, "decode batch sizes, e.g. 1,2,4")->capture_default_str();
  c_bench->add_option("--context", bench.contexts, "decode context lengths (cached tokens), e.g. 1024,4096")->capture_default_str();
  c_bench->add_option("--prefill-tokens", bench.prefill_tokens, "prompt tokens of the prefill row")->capture_default_str();
  c_bench->add_flag("--dense-attention", bench.dense_attention, "attend to every position (no top-k selection)");
  c_bench->add_flag("--kernels", bench.kernels, "add micro-kernel rows (matvec over 1 GiB of BF16, FP8, Q8_0, Q4_K, Q6_K, Q2_K, IQ2_XXS (exact and int8) and V4 FP4 weights; FP8 GEMM at 512 tokens)");
  c_bench->add_flag("--json", bench.json, "print one JSON object on stdout");
  c_bench->add_flag("--mtp", bench.mtp, "each decode step also runs the MTP layer (the speculative draft)");
  c_bench->add_option("--draft", bench.drafts,
                      "speculative decoding rows for these draft counts, e.g. 1,2,3: the cost of verifying N+1 tokens "
                      "against one decode token (per --batch and --context) and, on a checkpoint with samples.jsonl "
                      "(the built-in model), acceptance rate, mean accepted length and tokens/s with and without");
  c_bench->add_option("--threads", bench.threads, "worker threads (0: OMP_NUM_THREADS if set, else all cores)")->capture_default_str();
  c_bench->add_option("--repeat", bench.repeat, "timed repetitions (the median is reported)")->capture_default_str();
  add_numerics_option(c_bench, bench.numerics);

  VirtualArgs virt;
  auto* c_virt = app.add_subcommand("virtual-checkpoint", "write a sparse-file checkpoint with real names, dtypes and shapes (no disk used)");
  c_virt->add_option("--config", virt.config, "config.json to follow: DeepSeek-V3.2 / V3, or V4 (model_type deepseek_v4; safetensors only) (default: the built-in DeepSeek-V3.2 671B config)");
  c_virt->add_option("--out", virt.out, "output directory (safetensors) or OUT.gguf")->required();
  c_virt->add_option("--shards", virt.shards, "number of shards (safetensors)")->capture_default_str();
  c_virt->add_option("--format", virt.format, "safetensors (the FP8 release's layout) | gguf (llama.cpp's)")
      ->check(CLI::IsMember({"safetensors", "gguf"}))->capture_default_str();
  c_virt->add_option("--type", virt.type, "GGUF file type whose per-tensor types to use (q8_0, q4_k_m, q2_k, iq2_xxs, ...)")->capture_default_str();
  c_virt->add_option("--split-max-size", virt.split_max_size, "GGUF: split into parts of at most this size (0: one file)")->capture_default_str();

  ServeArgs serve;
  serve.model_dir = def_model;
  auto* c_serve = app.add_subcommand("serve", "OpenAI-compatible HTTP server (/v1/chat/completions, /v1/completions, /v1/models, /health, /metrics; llama.cpp's /tokenize, /detokenize, /props)");
  add_model_option(c_serve, serve.model_dir);
  c_serve->add_option("--host", serve.host, "address to listen on")->capture_default_str();
  c_serve->add_option("--port", serve.port, "port (0: pick a free one and print it)")->capture_default_str();
  c_serve->add_option("--api-key", serve.api_key, "require `Authorization: Bearer KEY`");
  c_serve->add_option("--parallel", serve.parallel, "sequences decoded together (continuous batching)")->capture_default_str();
  c_serve->add_option("--ctx-size", serve.ctx_size, "tokens a sequence may hold (0: the model's maximum)")->capture_default_str();
  c_serve->add_option("--kv-budget", serve.kv_budget, "KV-cache memory (e.g. 2G, 512M; default: unbounded)");
  c_serve->add_option("--prefill-chunk", serve.prefill_chunk, "prompt tokens prefilled per step (others keep decoding)")->capture_default_str();
  c_serve->add_option("--prefill-step-ms", serve.prefill_step_ms,
                      "time budget of a step that prefills: fewer prompt tokens (at least 16) when a step would take longer, "
                      "so running requests keep decoding at a bounded pace; 0: --prefill-chunk alone")
      ->capture_default_str()
      ->check(non_negative());
  c_serve->add_option("--max-body-bytes", serve.max_body_bytes, "largest request body (e.g. 8M, 64K); larger ones get 413")
      ->capture_default_str();
  c_serve->add_option("--request-timeout", serve.request_timeout_s,
                      "seconds a generation request may take, waiting included; then 504 (streams end with an error event); 0: no limit")
      ->capture_default_str()
      ->check(non_negative());
  c_serve->add_option("--draft", serve.draft,
                      "speculative decoding: tokens the checkpoint's MTP layer drafts a step for each decoding sequence, "
                      "verified with the batch's next step (0 = off, at most 6; greedy output is unchanged, sampling keeps "
                      "its distribution; DeepSeek-V3.x with an MTP layer; prompts are then prefilled whole, no prefix-cache reuse)")
      ->capture_default_str();
  c_serve->add_option("--max-queued", serve.max_queued,
                      "requests that may wait for a free slot; more get 503 with Retry-After; 0: no limit")
      ->capture_default_str()
      ->check(non_negative());
  add_chat_format_option(c_serve, serve.chat_format);
  c_serve->add_option("--served-model-name", serve.served_model_names,
                      "name(s) of the model in the API (repeatable or comma-separated): listed by /v1/models; a response names the one its request used, else the first (default: the checkpoint directory's name)")
      ->delimiter(',');
  c_serve->add_option("--cors-origin", serve.cors_origins,
                      "let web pages from ORIGIN (scheme://host[:port], or * for any) call the API: Access-Control-Allow-Origin on responses, OPTIONS preflights answered (repeatable; default: no CORS headers)")
      ->delimiter(',');
  c_serve->add_flag("--reuse-port", serve.reuse_port,
                    "share the port with other servers started with --reuse-port (SO_REUSEPORT; the kernel splits connections); default: fail when the port is in use");
  c_serve->add_flag("--no-webui", serve.no_webui, "do not serve the web chat page at GET / (the API routes stay)");
  add_numerics_option(c_serve, serve.numerics);

  PerplexityArgs ppl;
  ppl.model_dir = def_model;
  auto* c_ppl = app.add_subcommand("perplexity", "perplexity over a text; KL divergence against a reference's saved log-probs");
  add_model_option(c_ppl, ppl.model_dir);
  c_ppl->add_option("--text-file,-f", ppl.text_file, "UTF-8 text to score")->required();
  c_ppl->add_option("--ctx", ppl.ctx, "tokens a chunk (BOS included); the second half of each is scored")->capture_default_str();
  c_ppl->add_option("--chunks", ppl.chunks, "score at most this many chunks (0 = all)")->capture_default_str();
  c_ppl->add_option("--save-logprobs", ppl.save_logprobs, "write this run's log-probs (the reference for a later --kl-divergence-base)");
  c_ppl->add_option("--kl-divergence-base", ppl.kld_base, "log-probs saved by a reference run: report KL divergence and top-1 agreement");
  add_numerics_option(c_ppl, ppl.numerics);
  c_ppl->add_flag("--json", ppl.json, "print the figures as JSON");

  AgentArgs agent;
  agent.gen.model_dir = def_model;
  agent.model_dir = def_model;
  auto* c_agent = app.add_subcommand("agent", "an agent that plans, calls tools in a sandbox and finishes the task");
  c_agent->add_option("task", agent.task, "the task (omit for an interactive session)");
  c_agent->add_option("--workdir", agent.workdir, "directory the tools may read and write")->capture_default_str();
  auto* o_am = add_model_option(c_agent, agent.model_dir, "local " + std::string(kModelHelp));
  auto* o_ep = c_agent->add_option("--endpoint", agent.endpoint, "OpenAI-compatible base URL (e.g. https://api.deepseek.com/v1)");
  o_am->excludes(o_ep);
  c_agent->add_option("--api-key-env", agent.api_key_env, "environment variable holding the endpoint's API key");
  c_agent->add_option("--model-name,--model-id", agent.model_name, "model name sent to the endpoint");
  c_agent->add_flag("--think", agent.think, "thinking mode");
  c_agent->add_option("--max-steps", agent.max_steps, "most model calls for one task")->capture_default_str();
  c_agent->add_option("--max-time", agent.max_time_s, "wall-time budget in seconds")->capture_default_str();
  c_agent->add_option("--format-retries", agent.format_retries,
                      "malformed replies in a row (unparseable tool calls, unknown tools, arguments that do not fit) "
                      "answered with a format error for the model to retry before the task stops")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  c_agent->add_option("--approve", agent.approve, "auto | ask | never (default: ask on a terminal, else never)")
      ->check(CLI::IsMember({"auto", "ask", "never"}));
  c_agent->add_option("--system", agent.system, "system prompt")->capture_default_str();
  c_agent->add_option("--tools", agent.tools, "comma-separated tool names (default: all built-in + MCP tools)");
  c_agent->add_option("--mcp", agent.mcp, "an MCP server to start over stdio (command line; repeatable)");
  c_agent->add_option("--transcript", agent.transcript, "append every step to this JSONL file");
  c_agent->add_option("--resume", agent.resume, "continue from a transcript");
  c_agent->add_flag("--unsafe-no-sandbox", agent.unsafe_no_sandbox, "run shell tools without bubblewrap");
  add_sampling(c_agent, agent.gen);

  QuantizeArgs quant;
  auto* c_quant = add_quantize_command(app, quant);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0: CLI11 prints them.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return usage_error(app, e);
  }
  // Under mpirun: score and run split the experts over the ranks; the rest refuse N > 1.
  const auto finish = [](int rc) {
    print_parallel_stats();
    return rc;
  };
  try {
    if (!*c_run && !*c_score && !*c_bench) refuse_under_mpi(app.get_subcommands().front()->get_name());
    if (*c_run) return finish(cmd_run(run));
    if (*c_chat) return cmd_chat(chat);
    if (*c_insp) return cmd_inspect(insp);
    if (*c_score) return finish(cmd_score(score));
    if (*c_tok) return cmd_tokenize(tok);
    if (*c_tmpl) return cmd_template(tmpl);
    if (*c_serve) return cmd_serve(serve);
    if (*c_bench) {
      if (!bench.synthetic.empty() && c_bench->count("--model"))
        throw dseek::Error("bench: give -m (a checkpoint) or --synthetic, not both");
      if (bench.synthetic.empty() && (c_bench->count("--experts") || c_bench->count("--weights")))
        throw dseek::Error("bench: --experts and --weights apply to --synthetic only");
      if (bench.model_dir.empty() && bench.synthetic.empty()) bench.model_dir = def_model;
      if (bench.synthetic == "v4-flash-layer") {
        if (!c_bench->count("--experts")) bench.experts = 16;
        refuse_under_mpi("bench --synthetic v4-flash-layer");
        return bench_v4(bench);
      }
      return finish(cmd_bench(bench));
    }
    if (*c_virt) return cmd_virtual_checkpoint(virt);
    if (*c_ppl) return cmd_perplexity(ppl);
    if (*c_agent) return cmd_agent(agent);
    if (*c_quant) return cmd_quantize(quant);
  } catch (const FollowerDone&) {
    return 0;  // a rank > 0 under mpirun: rank 0 finished the command
  } catch (const MpiRefusal&) {
    if (dseek::mpi::world().rank() != 0) return 1;  // rank 0 says it, once
    return report_current_error();
  } catch (const std::exception& e) {
    // Under MPI one rank's error must end every rank (no rank left waiting in a collective).
    if (dseek::mpi::world().size() > 1) dseek::mpi::world().abort(e.what());
    return report_current_error();
  }
  return 0;
}
