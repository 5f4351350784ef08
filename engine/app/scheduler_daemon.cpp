#include "app/scheduler_daemon.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "app/dag_versions.h"
#include "app/history_location.h"
#include "base/dir_watch.h"
#include "sched/engine_watch.h"
#include "sched/run_threads.h"
#include "sched/scheduler.h"
#include "sched/wake.h"

namespace dagrun::app {
namespace {

using Clock = std::chrono::system_clock;

int timeout_ms(std::optional<TimePoint> next_due) {
  // Never sleep longer than a minute: a safety net against a missed wake-up
  // or a clock step, at no measurable cost.
  constexpr long long kMax = 60'000;
  if (!next_due) return static_cast<int>(kMax);
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*next_due - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, kMax));
}

// The shutdown policy: runs start no new task and may finish their running
// ones for the grace period; then their tries are stopped, and each run is
// left queued for the next scheduler to resume.
void stop_runs(RunThreads& threads, std::chrono::milliseconds grace, SchedulerEvents& events) {
  threads.drain_all("scheduler stopped; the run resumes when a scheduler starts");
  if (!threads.wait_idle(std::chrono::steady_clock::now() + grace)) {
    events.grace_over(grace);
    threads.suspend_all("scheduler stopped; interrupted tasks run again when the run resumes");
    threads.wait_idle(std::chrono::steady_clock::time_point::max());
  }
  threads.reap();
}

// The wake-up socket is one per SQLite file, or per home on a host for a
// PostgreSQL history, which several schedulers may share: each from its own
// home or host.
WakeListener listen_for_wake_ups(const EnginePaths& paths) {
  try {
    return WakeListener(wake_address(paths));
  } catch (const std::system_error& e) {
    if (e.code().value() != EADDRINUSE) throw;
    throw std::runtime_error("another scheduler of " + history_name(paths) + " runs in " + paths.root.string() +
                             " on this host; schedulers sharing a PostgreSQL history each need a home of their own");
  }
}

}  // namespace

void run_scheduler_daemon(Engine& engine, const SchedulerDaemonOptions& options, SchedulerEvents& events) {
  const CancelToken& stop = engine.stop();
  // A queued or resumed run executes the DAG version it was created with,
  // which may be older than the folder's file.
  DagVersions versions(engine.paths(), engine.store(), engine.plugins());
  RunThreads threads([&](std::shared_ptr<const Dag> dag, RunRecord run, const CancelToken& cancel,
                         const CancelToken& drain) {
    std::shared_ptr<const Dag> runs = dag_of_run(versions, std::move(dag), run);
    engine.resume(*runs, std::move(run), cancel, drain, options.observers);
  });
  Scheduler scheduler(engine.store(), threads, engine.lease().id());
  std::filesystem::create_directories(engine.paths().dags);
  std::vector<std::shared_ptr<const Dag>> dags = options.load_dags();
  scheduler.set_dags(dags);
  engine.set_callback_dags(dags);
  EngineWatch engines(engine.lease().id(), engine.lease().record().hostname, kLeaseInterval);
  auto watch_engines = [&] {
    try {
      engines.watch(engine.store().list_engines());
    } catch (const std::exception& e) {
      spdlog::warn("{}", e.what());  // the periodic check tries again
    }
  };
  watch_engines();
  DirWatch watch(engine.paths().dags, DirWatch::Changes::whole_files, [](std::string_view name) {
    return name.size() > 5 && name.substr(name.size() - 5) == ".json";
  });
  WakeListener wake = listen_for_wake_ups(engine.paths());
  events.started();

  while (!stop.cancelled()) {
    if (engines.due(std::chrono::steady_clock::now())) {
      // A trigger killed with -9 leaves its run `running`: recover it now
      // rather than at the next engine's start; the step below resumes it.
      try {
        engine.recover_dead_engines(dags);
      } catch (const std::exception& e) {
        spdlog::error("looking for dead engines failed: {}", e.what());
      }
      engines.checked(std::chrono::steady_clock::now());
      watch_engines();
    }
    std::optional<TimePoint> next_due;
    try {
      next_due = scheduler.step(Clock::now());
    } catch (const std::exception& e) {
      spdlog::error("scheduler step failed: {}", e.what());  // the store may be busy: try again soon
      next_due = Clock::now() + std::chrono::seconds(1);
    }
    std::vector<pollfd> fds = {
        {stop.fd(), POLLIN, 0}, {watch.fd(), POLLIN, 0}, {wake.fd(), POLLIN, 0}, {threads.fd(), POLLIN, 0}};
    for (int fd : engines.fds()) fds.push_back({fd, POLLIN, 0});  // readable when that engine exits
    const int timeout = std::min(timeout_ms(next_due), engines.timeout_ms(std::chrono::steady_clock::now()));
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    if (fds[1].revents) {
      // Editors write in several steps: let them finish before reading.
      ::poll(nullptr, 0, 50);
      if (watch.drain()) {
        dags = options.load_dags();
        scheduler.set_dags(dags);
        engine.set_callback_dags(dags);
      }
    }
    if (fds[2].revents) wake.drain();
    if (fds[3].revents) threads.reap();
  }

  const size_t active = threads.active();
  events.stopping(stop.reason(), active);
  if (active > 0) stop_runs(threads, options.grace, events);
  // The runs' last callbacks (a SIGTERM's failures among them) go out now;
  // what the grace leaves is the next engine's.
  engine.finish_callbacks();
  events.stopped();
}

}  // namespace dagrun::app
