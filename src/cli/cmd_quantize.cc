// dseek quantize: a Hugging Face checkpoint -> GGUF (src/convert).
#include <omp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "convert/file_type.h"
#include "convert/progress.h"
#include "convert/quantize.h"
#include "convert/split_plan.h"
#include "runtime/error.h"
#include "runtime/signal_cleanup.h"
#include "weights/checkpoint.h"

namespace dseek::cli {

namespace {

std::string type_list() {
  std::string s;
  for (FileType ft : quantize_file_types()) {
    std::string n = file_type_name(ft);
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s += (s.empty() ? "" : ", ") + n;
  }
  return s;
}

FileType parse_type(const std::string& s) {
  FileType ft;
  if (parse_file_type(s, &ft))
    for (FileType ok : quantize_file_types())
      if (ok == ft) return ft;
  throw Error("--type '" + s + "': unknown; one of " + type_list());
}

}  // namespace

CLI::App* add_quantize_command(CLI::App& app, QuantizeArgs& a) {
  auto* c = app.add_subcommand("quantize", "convert a Hugging Face checkpoint (FP8/BF16) to a quantised GGUF llama.cpp loads");
  add_model_option(c, a.model_dir, "Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json; not a .gguf)")
      ->required();
  c->add_option("--out", a.out, "output .gguf (split parts: OUT-0000i-of-0000N.gguf)")->required();
  c->add_option("--type", a.type,
                "llama.cpp file type: q8_0 | q6_k | q5_k_m | q4_k_m | q3_k_m | q2_k | iq4_xs "
                "(also q5_k_s, q4_k_s, q3_k_l, q3_k_s, iq4_nl, q5_1, q5_0, q4_1, q4_0, bf16, f16, f32)")
      ->required();
  c->add_option("--tensor-type", a.tensor_types,
                "REGEX=TYPE: type of the tensors whose GGUF name matches (repeatable; first match wins), "
                "e.g. 'ffn_down_exps=q6_k'");
  c->add_option("--split-max-size", a.split_max_size, "split into parts of at most this much tensor data (50G, 500M; powers of 1000)");
  c->add_option("--split-max-tensors", a.split_max_tensors, "split into parts of at most N tensors")->capture_default_str();
  c->add_flag("--dry-run", a.dry_run, "print the plan (sizes and types per tensor class, total) without writing");
  c->add_flag("--no-vocab", a.no_vocab, "allow a checkpoint without tokenizer.json (the GGUF then has no tokenizer)");
  c->add_option("--name", a.name, "general.name (default: the checkpoint directory's name)");
  c->add_option("--threads", a.threads, "worker threads (0: OMP_NUM_THREADS if set, else all cores)")->capture_default_str();
  return c;
}

int cmd_quantize(const QuantizeArgs& a) {
  QuantizeOptions o;
  o.out = a.out;
  o.type = parse_type(a.type);
  o.tensor_types = a.tensor_types;
  if (!a.split_max_size.empty()) o.split_max_bytes = parse_split_size(a.split_max_size);
  if (a.split_max_tensors < 0) throw Error("--split-max-tensors: must be >= 0");
  o.split_max_tensors = a.split_max_tensors;
  o.no_vocab = a.no_vocab;
  o.name = a.name;
  o.check_output_dir = !a.dry_run;
  if (a.threads < 0) throw Error("--threads: must be >= 0");
  if (a.threads > 0) omp_set_num_threads(a.threads);

  auto ck = Checkpoint::open(a.model_dir);
  const QuantizePlan plan = plan_quantize(*ck, o);
  if (a.dry_run) {
    print_plan(plan, a.model_dir, std::cout);  // the warnings included
    return 0;
  }
  for (const auto& w : plan.warnings) std::cerr << "dseek quantize: warning: " << w << "\n";
  install_signal_cleanup();  // an interrupted run leaves neither temp files nor parts behind
  std::cerr << "quantize: " << a.model_dir << " -> " << plan.paths.front()
            << (plan.paths.size() > 1 ? " ... " + plan.paths.back() : std::string()) << " ("
            << file_type_name(plan.type) << ", " << plan.layout.tensors.size() << " tensors, "
            << format_bytes(plan.total_file_bytes()) << ", " << omp_get_max_threads() << (omp_get_max_threads() == 1 ? " thread)\n" : " threads)\n");
  const QuantizeResult r = write_quantized(*ck, plan, &std::cerr, ::isatty(2));
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f s, %.1f MB/s", r.seconds, r.seconds > 0 ? r.bytes / r.seconds / 1e6 : 0.0);
  for (size_t k = 0; k < plan.paths.size(); ++k)
    std::cerr << "wrote " << plan.paths[k] << " (" << plan.file_bytes[k] << " bytes)\n";
  std::cerr << "quantize: done in " << rate << "\n";
  return 0;
}

}  // namespace dseek::cli
