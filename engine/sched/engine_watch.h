// When a running scheduler looks for engines that died (a foreground
// `dagrun trigger` killed with -9): at once when an engine on this host exits,
// through a pidfd per engine process that poll() reports readable when the
// process ends, and in any case once per lease interval, which covers engines
// on other hosts (their heartbeat expires) and kernels without pidfds.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "store/records.h"

namespace dagrun {

class EngineWatch {
 public:
  EngineWatch(std::string self_id, std::string host, std::chrono::milliseconds period);
  EngineWatch(const EngineWatch&) = delete;
  EngineWatch& operator=(const EngineWatch&) = delete;

  // Watches the engines of this host among `engines` (not this one), and
  // forgets those no longer listed. Call after each check. An engine whose
  // process is already gone (or whose pid was reused) makes the next check
  // due at once.
  void watch(const std::vector<EngineRecord>& engines);

  // The pidfds to poll, readable when a watched engine has exited.
  std::vector<int> fds() const;
  // Whether a check is due: a watched engine exited or the period passed.
  bool due(std::chrono::steady_clock::time_point now) const;
  // Milliseconds until the periodic check, for a poll() timeout.
  int timeout_ms(std::chrono::steady_clock::time_point now) const;
  // A check ran: the next one is a period away.
  void checked(std::chrono::steady_clock::time_point now) { next_ = now + period_; }

 private:
  std::string self_id_;
  std::string host_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point next_;
  std::map<std::string, UniqueFd> pidfds_;  // engine id -> pidfd
  std::set<std::string> dead_;         // listed, and found dead by an earlier watch()
  bool gone_ = false;                  // an engine was found dead by the last watch()
};

}  // namespace dagrun
