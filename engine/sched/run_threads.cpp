#include "sched/run_threads.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

#include <spdlog/spdlog.h>

namespace dagrun {

RunThreads::RunThreads(RunFn fn) : fn_(std::move(fn)), event_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!event_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

RunThreads::~RunThreads() {
  suspend_all("the engine is shutting down");
  wait_idle(std::chrono::steady_clock::time_point::max());
  reap();
}

void RunThreads::launch(std::shared_ptr<const Dag> dag, RunRecord run) {
  std::lock_guard lock(mu_);
  Slot& slot = slots_.emplace_back();
  slot.thread = std::thread([this, &slot, dag = std::move(dag), run = std::move(run)]() mutable {
    try {
      fn_(std::move(dag), std::move(run), slot.cancel, drain_);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
    {
      std::lock_guard done_lock(mu_);
      slot.done = true;
    }
    idle_cv_.notify_all();
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd_.get(), &one, sizeof one);
  });
}

void RunThreads::reap() {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(event_fd_.get(), &count, sizeof count);
  std::list<Slot> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = slots_.begin(); it != slots_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), slots_, it);
      it = next;
    }
  }
  for (Slot& s : finished) s.thread.join();
}

size_t RunThreads::active() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Slot& s : slots_) n += !s.done;
  return n;
}

void RunThreads::drain_all(const std::string& reason) { drain_.cancel(reason); }

void RunThreads::suspend_all(const std::string& reason) {
  std::lock_guard lock(mu_);
  for (Slot& s : slots_) s.cancel.suspend(reason);
}

bool RunThreads::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  auto idle = [&] {
    for (const Slot& s : slots_)
      if (!s.done) return false;
    return true;
  };
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    idle_cv_.wait(lock, idle);
    return true;
  }
  return idle_cv_.wait_until(lock, deadline, idle);
}

}  // namespace dagrun
