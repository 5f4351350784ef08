// Which engine process owns a run. Every engine (a scheduler or a foreground
// trigger) registers itself in the store and renews a heartbeat while it
// lives; a run whose owner is gone is recovered by the next engine to start.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/engine_registry.h"

namespace dagrun {

// This process, as an engine record of the given kind ("scheduler", "trigger").
EngineRecord this_engine(const std::string& kind, TimePoint now);

// The start time of a process (base/process_stat.h) as an engine record
// keeps it, or 0 when there is no such process or it is a zombie.
std::int64_t process_start_ticks(int pid);

// How often an engine renews its heartbeat, and how often a running
// scheduler looks for engines that died.
inline constexpr std::chrono::seconds kLeaseInterval{5};
// How long a heartbeat stays valid for an engine on another host.
inline constexpr std::chrono::seconds kLeaseTimeout{30};

// Whether the engine still runs: on this host by its pid and start time (at
// once, exact); on another host by a heartbeat younger than kLeaseTimeout.
bool engine_alive(const EngineRecord& engine, const std::string& this_host, TimePoint now);

// Registers this process as an engine and renews its heartbeat on a thread
// until destroyed, then unregisters it.
class EngineLease {
 public:
  EngineLease(EngineRegistry& store, const std::string& kind,
              std::chrono::milliseconds interval = kLeaseInterval);
  ~EngineLease();
  EngineLease(const EngineLease&) = delete;
  EngineLease& operator=(const EngineLease&) = delete;

  const std::string& id() const { return record_.engine_id; }
  const EngineRecord& record() const { return record_; }

 private:
  void renew_loop();

  EngineRegistry& store_;
  EngineRecord record_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dagrun
