#include "sched/engine_watch.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "run/engine_lease.h"

namespace dagrun {
namespace {

int open_pidfd(int pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

}  // namespace

EngineWatch::EngineWatch(std::string self_id, std::string host, std::chrono::milliseconds period)
    : self_id_(std::move(self_id)),
      host_(std::move(host)),
      period_(period),
      next_(std::chrono::steady_clock::now() + period) {}

void EngineWatch::watch(const std::vector<EngineRecord>& engines) {
  // An engine still listed after a check that found it dead (the check
  // failed, say on a busy database) is left to the periodic check: a pidfd
  // stays readable, and polling it again would spin.
  std::map<std::string, UniqueFd> kept;
  std::set<std::string> dead;
  gone_ = false;
  for (const EngineRecord& e : engines) {
    if (e.engine_id == self_id_ || e.hostname != host_ || e.pid <= 0) continue;
    if (auto it = pidfds_.find(e.engine_id); it != pidfds_.end()) {
      pollfd p{it->second.get(), POLLIN, 0};
      if (::poll(&p, 1, 0) > 0)
        dead.insert(e.engine_id);  // its pidfd closes with the old map
      else
        kept.emplace(it->first, std::move(it->second));
      pidfds_.erase(it);
      continue;
    }
    if (dead_.count(e.engine_id)) {
      dead.insert(e.engine_id);
      continue;
    }
    UniqueFd fd(open_pidfd(e.pid));
    // Checked after opening: the pidfd then names the process that had the
    // start time, not a later one that reused its pid.
    if (process_start_ticks(e.pid) != e.pid_start) {
      dead.insert(e.engine_id);
      gone_ = true;  // found dead now: check at once
      continue;
    }
    if (fd) kept.emplace(e.engine_id, std::move(fd));  // else the periodic check covers it
  }
  pidfds_ = std::move(kept);  // closes the pidfds of engines no longer listed
  dead_ = std::move(dead);
}

std::vector<int> EngineWatch::fds() const {
  std::vector<int> out;
  out.reserve(pidfds_.size());
  for (const auto& [id, fd] : pidfds_) out.push_back(fd.get());
  return out;
}

bool EngineWatch::due(std::chrono::steady_clock::time_point now) const {
  if (gone_ || now >= next_) return true;
  for (const auto& [id, fd] : pidfds_) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) return true;
  }
  return false;
}

int EngineWatch::timeout_ms(std::chrono::steady_clock::time_point now) const {
  if (gone_) return 0;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(next_ - now).count();
  return static_cast<int>(std::clamp<long long>(left, 0, period_.count()));
}

}  // namespace dagrun
