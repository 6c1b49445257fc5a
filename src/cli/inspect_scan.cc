#include "cli/inspect_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "convert/progress.h"
#include "kernels/quant/scan_finite.h"
#include "weights/checkpoint.h"
#include "weights/gguf.h"

namespace dseek::cli {

int inspect_scan(const InspectArgs& a) {
  struct stat st {};
  const bool dir = ::stat(a.model_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  // A directory: its tensors whatever the config (V3.x or V4); a GGUF: the tensors as stored.
  auto ck = dir ? Checkpoint::open_tensors(a.model_dir) : Checkpoint::open(a.model_dir);
  std::vector<const TensorView*> views;
  if (ck->is_gguf()) {
    for (const auto& g : ck->gguf_files())
      for (const std::string& name : g->tensor_order()) views.push_back(g->find(name));
  } else {
    for (const auto& [name, t] : ck->tensors()) views.push_back(t);
  }
  uint64_t total = 0, done = 0;
  for (const TensorView* t : views) total += t->nbytes;
  const auto t0 = std::chrono::steady_clock::now();
  Progress progress(total, std::cerr, ::isatty(2) != 0, 10);
  nlohmann::ordered_json bad = nlohmann::ordered_json::array();
  for (const TensorView* t : views) {
    progress.update(done, t->name);
    const NonFinite r = scan_nonfinite(t->dtype, t->data, t->nbytes);
    done += t->nbytes;
    if (r.count == 0) continue;
    const bool blocks = dtype_block_elems(t->dtype) > 1;
    bad.push_back({{"tensor", t->name},
                   {"dtype", std::string(dtype_name(t->dtype))},
                   {"shape", t->shape},
                   {"file", t->file ? *t->file : std::string()},
                   {blocks ? "nonfinite_scales" : "nonfinite_elements", r.count},
                   {blocks ? "first_block" : "first_element", r.first}});
  }
  progress.update(done, "");
  progress.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (a.json) {
    nlohmann::ordered_json j = {{"checkpoint", a.model_dir},
                                {"tensors", views.size()},
                                {"bytes", total},
                                {"seconds", secs},
                                {"nonfinite_tensors", bad}};
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& b : bad) {
      const bool blocks = b.contains("first_block");
      std::printf("%s  %s %s: %lld non-finite %s (first: %s %lld)\n", b["tensor"].get<std::string>().c_str(),
                  b["dtype"].get<std::string>().c_str(), b["shape"].dump().c_str(),
                  static_cast<long long>(b[blocks ? "nonfinite_scales" : "nonfinite_elements"].get<int64_t>()),
                  blocks ? "block scales" : "values", blocks ? "block" : "element",
                  static_cast<long long>(b[blocks ? "first_block" : "first_element"].get<int64_t>()));
    }
    std::printf("scanned %zu tensors, %s in %.1f s: %s\n", views.size(), format_bytes(total).c_str(), secs,
                bad.empty() ? "every value finite" : (std::to_string(bad.size()) + " tensors with NaN/Inf").c_str());
  }
  return bad.empty() ? 0 : 1;
}

}  // namespace dseek::cli
