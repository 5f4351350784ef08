#include "run/engine_lease.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "base/host_name.h"
#include "base/process_stat.h"

namespace dagrun {

std::int64_t process_start_ticks(int pid) {
  return static_cast<std::int64_t>(process_start_time(static_cast<pid_t>(pid)).value_or(0));
}

EngineRecord this_engine(const std::string& kind, TimePoint now) {
  EngineRecord e;
  e.hostname = host_name();
  e.pid = static_cast<int>(::getpid());
  e.pid_start = process_start_ticks(e.pid);
  e.engine_id = e.hostname + ":" + std::to_string(e.pid) + ":" + std::to_string(e.pid_start);
  e.kind = kind;
  e.started_at = e.heartbeat_at = now;
  return e;
}

bool engine_alive(const EngineRecord& engine, const std::string& this_host, TimePoint now) {
  if (engine.hostname == this_host)
    return engine.pid > 0 && process_start_ticks(engine.pid) == engine.pid_start;
  return now - engine.heartbeat_at < kLeaseTimeout;
}

EngineLease::EngineLease(EngineRegistry& store, const std::string& kind, std::chrono::milliseconds interval)
    : store_(store), record_(this_engine(kind, std::chrono::system_clock::now())), interval_(interval) {
  store_.register_engine(record_);
  thread_ = std::thread([this] { renew_loop(); });
}

EngineLease::~EngineLease() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  try {
    store_.unregister_engine(record_.engine_id);
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());
  }
}

void EngineLease::renew_loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      store_.heartbeat(record_.engine_id, std::chrono::system_clock::now());
    } catch (const std::exception& e) {
      // A missed heartbeat matters only to engines on other hosts, after
      // kLeaseTimeout: keep trying.
      spdlog::warn("{}", e.what());
    }
    lock.lock();
  }
}

}  // namespace dagrun
