// The scheduler's RunLauncher: each run on a thread of its own, with its own
// cancel token, so runs of different DAGs proceed side by side and a stopping
// scheduler can drain, then suspend, every one of them.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "base/cancel.h"
#include "base/unique_fd.h"
#include "sched/scheduler.h"

namespace dagrun {

class RunThreads : public RunLauncher {
 public:
  // Executes one claimed run to its end (or until suspended), on its thread.
  using RunFn = std::function<void(std::shared_ptr<const Dag>, RunRecord, const CancelToken& cancel,
                                   const CancelToken& drain)>;
  explicit RunThreads(RunFn fn);
  ~RunThreads() override;  // suspends and joins whatever still runs

  void launch(std::shared_ptr<const Dag> dag, RunRecord run) override;

  // Readable when a run has ended; reap() then joins the finished threads.
  int fd() const { return event_fd_.get(); }
  void reap();
  size_t active() const;

  // Every run starts no more tasks; running ones finish.
  void drain_all(const std::string& reason);
  // Every run stops its running tries now and is left to resume later.
  void suspend_all(const std::string& reason);
  // Waits until no run is active or the deadline passes; true when none is.
  bool wait_idle(std::chrono::steady_clock::time_point deadline);

 private:
  struct Slot {
    CancelToken cancel;
    std::thread thread;
    bool done = false;
  };

  RunFn fn_;
  CancelToken drain_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::list<Slot> slots_;
  UniqueFd event_fd_;
};

}  // namespace dagrun
