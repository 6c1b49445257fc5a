#include "engine/lockstep.h"

#include <exception>
#include <map>
#include <vector>

#include "mpi/communicator.h"
#include "runtime/error.h"

namespace dseek {

std::unique_ptr<CausalLm> make_causal_lm_v3(std::unique_ptr<Model> m);  // causal_lm_v3.cc

namespace {

// A step on the wire (int32 words): [op, all_logits, n_released, released ids..., n_runs,
// then per run: seq id, length before the step, n_tokens, tokens...].
enum Op : int32_t { kStop = 0, kForward = 1, kForwardBatch = 2 };

struct Shared {  // what the leader's sequences share with it
  mpi::Communicator* comm = nullptr;
  int32_t next_id = 0;
  std::vector<int32_t> released;  // ids of sequences gone since the last step
};

class LeaderSeq : public LmSequence {
 public:
  LeaderSeq(std::unique_ptr<LmSequence> inner, std::shared_ptr<Shared> sh)
      : inner_(std::move(inner)), sh_(std::move(sh)), id_(sh_->next_id++) {}
  ~LeaderSeq() override { sh_->released.push_back(id_); }
  int64_t length() const override { return inner_->length(); }
  const std::vector<int32_t>& tokens() const override { return inner_->tokens(); }
  int64_t truncate(int64_t n) override { return inner_->truncate(n); }
  void clear() override { inner_->clear(); }
  size_t bytes() const override { return inner_->bytes(); }
  int64_t adopt_prefix(const std::vector<int32_t>&) override {
    throw Error("shared prefix caches are not supported under MPI yet");
  }
  void reserve(int64_t n) override { inner_->reserve(n); }
  int64_t blocks() const override { return inner_->blocks(); }
  LmSequence& inner() { return *inner_; }
  int32_t id() const { return id_; }

 private:
  std::unique_ptr<LmSequence> inner_;
  std::shared_ptr<Shared> sh_;
  int32_t id_;
};

LeaderSeq& leader_seq(LmSequence& s) {
  auto* p = dynamic_cast<LeaderSeq*>(&s);
  if (!p) throw Error("forward: a sequence of another model");
  return *p;
}

void put_run(std::vector<int32_t>& msg, LeaderSeq& s, const std::vector<int32_t>& tokens) {
  msg.push_back(s.id());
  msg.push_back(static_cast<int32_t>(s.length()));  // positions stay far below 2^31
  msg.push_back(static_cast<int32_t>(tokens.size()));
  msg.insert(msg.end(), tokens.begin(), tokens.end());
}

class LeaderLm : public CausalLm {
 public:
  LeaderLm(std::unique_ptr<CausalLm> inner, mpi::Communicator& comm) : inner_(std::move(inner)), sh_(std::make_shared<Shared>()) {
    sh_->comm = &comm;
  }
  ~LeaderLm() override {
    if (std::uncaught_exceptions() > 0) return;  // the caller aborts the job
    std::vector<int32_t> stop{kStop};
    sh_->comm->broadcast(stop, 0);
  }
  const LmInfo& info() const override { return inner_->info(); }
  void set_chat_format(const std::string& f) override { inner_->set_chat_format(f); }
  std::string fingerprint() const override { return inner_->fingerprint(); }
  std::unique_ptr<LmSequence> new_sequence() const override {
    return std::make_unique<LeaderSeq>(inner_->new_sequence(), sh_);
  }
  std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const override {
    LeaderSeq& s = leader_seq(seq);
    std::vector<int32_t> msg = header(kForward, all_logits, 1);
    put_run(msg, s, tokens);
    sh_->comm->broadcast(msg, 0);
    return inner_->forward(s.inner(), tokens, all_logits);
  }
  std::vector<float> forward_batch(const std::vector<LmRun>& runs) const override {
    std::vector<int32_t> msg = header(kForwardBatch, false, static_cast<int32_t>(runs.size()));
    std::vector<LmRun> inner_runs;
    for (const LmRun& r : runs) {
      LeaderSeq& s = leader_seq(*r.seq);
      put_run(msg, s, r.tokens);
      inner_runs.push_back({&s.inner(), r.tokens});
    }
    sh_->comm->broadcast(msg, 0);
    return inner_->forward_batch(inner_runs);
  }
  void save_session(const std::string& path, LmSequence&, const std::string&, const std::string&) const override {
    throw Error(path + ": session files are not supported under MPI yet");
  }
  std::unique_ptr<LmSequence> load_session(const std::string& path, std::string*, const std::string&) const override {
    throw Error(path + ": session files are not supported under MPI yet");
  }

 private:
  std::vector<int32_t> header(Op op, bool all_logits, int32_t n_runs) const {
    std::vector<int32_t> msg{op, all_logits ? 1 : 0, static_cast<int32_t>(sh_->released.size())};
    msg.insert(msg.end(), sh_->released.begin(), sh_->released.end());
    sh_->released.clear();
    msg.push_back(n_runs);
    return msg;
  }
  std::unique_ptr<CausalLm> inner_;
  std::shared_ptr<Shared> sh_;
};

// Reads the step words in order; a short message is a protocol error.
struct Reader {
  const std::vector<int32_t>& m;
  size_t i = 0;
  int32_t next() {
    if (i >= m.size()) throw Error("lockstep: truncated step message from rank 0");
    return m[i++];
  }
};

}  // namespace

std::unique_ptr<CausalLm> load_expert_parallel(const std::string& path, Numerics numerics, mpi::Communicator& comm) {
  if (is_v4_checkpoint(path))
    throw Error(path + ": --parallel-mode ep supports DeepSeek-V3.x checkpoints; DeepSeek-V4 is not supported under MPI yet");
  std::unique_ptr<Model> m = Model::load(path, numerics);
  m->set_expert_parallel(&comm);
  return make_causal_lm_v3(std::move(m));
}

std::unique_ptr<CausalLm> lockstep_leader(std::unique_ptr<CausalLm> inner, mpi::Communicator& comm) {
  return std::make_unique<LeaderLm>(std::move(inner), comm);
}

void lockstep_follow(const CausalLm& lm, mpi::Communicator& comm) {
  std::map<int32_t, std::unique_ptr<LmSequence>> mirrors;
  std::vector<int32_t> msg;
  for (int64_t step = 0;; ++step) {
    comm.broadcast(msg, 0);
    try {
      Reader r{msg};
      const int32_t op = r.next();
      if (op == kStop) return;
      if (op != kForward && op != kForwardBatch) throw Error("lockstep: unknown step " + std::to_string(op));
      const bool all_logits = r.next() != 0;
      for (int32_t n = r.next(); n > 0; --n) mirrors.erase(r.next());
      std::vector<LmRun> runs(r.next());
      for (LmRun& run : runs) {
        std::unique_ptr<LmSequence>& s = mirrors[r.next()];
        if (!s) s = lm.new_sequence();
        const int64_t len = r.next();
        if (s->length() > len) {
          if (len == 0) s->clear();
          else s->truncate(len);
        }
        if (s->length() != len)
          throw Error("lockstep: a sequence is " + std::to_string(s->length()) + " tokens here, " +
                      std::to_string(len) + " on rank 0");
        run.seq = s.get();
        run.tokens.resize(r.next());
        for (int32_t& t : run.tokens) t = r.next();
      }
      if (op == kForward && runs.size() != 1) throw Error("lockstep: a forward step carries one sequence");
      if (op == kForward) lm.forward(*runs[0].seq, runs[0].tokens, all_logits);
      else lm.forward_batch(runs);
    } catch (const std::exception& e) {
      comm.abort(std::string("step ") + std::to_string(step) + ": " + e.what());
    }
  }
}

}  // namespace dseek
