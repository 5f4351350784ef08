#include "run/run_cancels.h"

namespace dagrun {

RunCancels::Registration::Registration(RunCancels& owner, std::string run_id, CancelToken& token)
    : owner_(owner), run_id_(std::move(run_id)) {
  std::lock_guard lock(owner_.mu_);
  owner_.runs_[run_id_] = &token;
  owner_.registered_.notify_all();
}

RunCancels::Registration::~Registration() {
  std::lock_guard lock(owner_.mu_);
  owner_.runs_.erase(run_id_);
}

bool RunCancels::cancel(const std::string& run_id, const std::string& reason) {
  // Under the lock, so the token cannot be destroyed mid-call: a run ends
  // its registration before its token dies.
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return false;
  it->second->cancel(reason);
  return true;
}

bool RunCancels::wait_for_runs(std::stop_token stop) {
  std::unique_lock lock(mu_);
  return registered_.wait(lock, stop, [this] { return !runs_.empty(); });
}

bool RunCancels::empty() const {
  std::lock_guard lock(mu_);
  return runs_.empty();
}

}  // namespace dagrun
