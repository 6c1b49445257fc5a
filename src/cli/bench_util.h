// Shared pieces of `dseek bench` (V3 and V4 models): repeated timings with their median, the
// machine's limits (read bandwidth, FMA peak) and the result rows.
#pragma once
#include <algorithm>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/probe.h"
#include "runtime/error.h"

namespace dseek::cli {

using Clock = std::chrono::steady_clock;
using ojson = nlohmann::ordered_json;

inline std::vector<int64_t> parse_list(const std::string& s, const char* what) {
  std::vector<int64_t> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      long long x = std::stoll(item, &used);
      if (used != item.size() || x < 0) throw std::invalid_argument(item);
      v.push_back(x);
    } catch (const std::exception&) {
      throw Error(std::string("--") + what + ": '" + item + "' is not a non-negative integer");
    }
  }
  if (v.empty() || s.back() == ',') throw Error(std::string("--") + what + ": '" + s + "' is not a list like 1,2,4");
  return v;
}

template <class F>
double median_seconds(int repeat, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Machine {
  double bw = 0, fma = 0;  // best readings: the limits
  int threads = 1;
  std::unique_ptr<ReadBandwidthProbe> probe;
};

// Bandwidth-bound rows on a shared machine: each timed run sits between two read-bandwidth
// passes. The passes raise the machine's best reading (the limit every row's pct_bw is taken
// against, once all rows are done); each run's (bytes / run time) / (the better of its two
// passes) gives pct_bw_paired, a check that cancels drifts in the machine's load.
// f(i) runs repetition i. Returns {median seconds, median paired percent}.
template <class F>
std::pair<double, double> median_paired(int repeat, Machine& m, double bytes, F&& f) {
  std::vector<double> t, pct;
  // The probe reads half the bytes of the run (64 MiB at least): it costs less than the run.
  const int64_t probe_bytes = static_cast<int64_t>(bytes / 2);
  double before = m.probe->pass_gbs(probe_bytes);
  for (int i = 0; i < repeat; ++i) {
    auto t0 = Clock::now();
    f(i);
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    const double after = m.probe->pass_gbs(probe_bytes);
    const double bw = std::max(before, after);
    m.bw = std::max(m.bw, bw);
    pct.push_back(std::min(100.0, 100.0 * bytes / t.back() / 1e9 / bw));
    before = after;
  }
  std::sort(t.begin(), t.end());
  std::sort(pct.begin(), pct.end());
  return {t[t.size() / 2], pct[pct.size() / 2]};
}

// pct_bw is filled in at the end, against the best bandwidth reading of the whole run.
inline ojson row(const std::string& name, const char* phase, int64_t batch, int64_t context, double tps, double bytes,
          double flops, double secs, const Machine& m, double pct_bw_paired = -1) {
  ojson r;
  r["name"] = name;
  r["phase"] = phase;
  r["batch"] = batch;
  r["context"] = context;
  r["tokens_per_s"] = tps;
  r["seconds"] = secs;
  r["gbs"] = bytes / secs / 1e9;
  r["gflops"] = flops / secs / 1e9;
  r["pct_bw"] = 0.0;
  r["pct_fma"] = std::min(100.0, 100.0 * flops / secs / 1e9 / m.fma);
  if (pct_bw_paired >= 0) r["pct_bw_paired"] = pct_bw_paired;
  return r;
}

// Sets the thread count (0: all cores) and measures the read bandwidth (best of 5 passes over
// 1 GiB) and the FMA peak.
Machine measure_machine(int threads);

// Fills in pct_bw (against the best bandwidth reading of the run), the results and the peak
// RSS, then prints `out` as JSON (json) or the table. Returns 0.
int finish_bench(const Machine& m, ojson& out, ojson& rows, bool json);

// Prints the rows as the aligned table of `dseek bench` (after pct_bw is filled in).
void print_bench_table(const Machine& m, const ojson& rows, double peak_rss_mib);

}  // namespace dseek::cli
