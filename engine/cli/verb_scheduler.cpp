// dagrun scheduler: the daemon. Creates each DAG's runs on its schedule,
// starts queued runs, reloads DAG files as they change, resumes runs whose
// engine died (at its start, and while it runs), and sleeps in between: poll()
// on a signalfd, an inotify watch, a wake-up socket, run completions and a
// pidfd per other engine on this host, with a timeout until the next due run
// or the next look for dead engines.
#include <poll.h>

#include <algorithm>
#include <iostream>
#include <set>

#include <spdlog/spdlog.h>

#include "app/engine.h"
#include "cli/dag_folder.h"
#include "cli/engine_setup.h"
#include "cli/run_log.h"
#include "cli/verbs.h"
#include "model/duration.h"
#include "sched/dag_watch.h"
#include "sched/engine_watch.h"
#include "sched/instance_lock.h"
#include "sched/run_threads.h"
#include "sched/scheduler.h"
#include "sched/wake.h"

namespace dagrun::cli {
namespace {

using Clock = std::chrono::system_clock;

// Loads the folder; reports each problem once, not on every reload.
std::vector<std::shared_ptr<const Dag>> load_valid(const Context& ctx, const PluginCatalog& plugins,
                                                   std::set<std::string>& reported) {
  std::vector<std::shared_ptr<const Dag>> valid;
  std::set<std::string> now_reported;
  for (LoadResult& r : load_dags(ctx, plugins)) {
    if (r.ok()) {
      valid.push_back(std::make_shared<const Dag>(std::move(*r.dag)));
      continue;
    }
    for (const Diagnostic& d : r.diagnostics) {
      std::string line = d.to_string();
      if (!reported.count(line)) std::cerr << line << "\n";
      now_reported.insert(line);
    }
  }
  reported = std::move(now_reported);
  return valid;
}

int timeout_ms(std::optional<TimePoint> next_due) {
  // Never sleep longer than a minute: a safety net against a missed wake-up
  // or a clock step, at no measurable cost.
  constexpr long long kMax = 60'000;
  if (!next_due) return static_cast<int>(kMax);
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*next_due - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, kMax));
}

}  // namespace

int verb_scheduler(Context& ctx) {
  std::chrono::milliseconds grace = std::chrono::seconds(30);
  if (auto g = ctx.args.value("grace")) {
    std::string why;
    auto parsed = parse_duration(*g, &why);
    if (!parsed) throw UsageError("--grace: " + why);
    grace = *parsed;
  }
  std::string holder;
  auto lock = InstanceLock::acquire(ctx.home.db.string() + ".scheduler.lock", &holder);
  if (!lock) {
    std::cerr << "dagrun scheduler: another scheduler is running on " << ctx.home.db.string() << " (" << holder
              << ")\n";
    return kExitFailed;
  }
  EngineConfig config = read_engine_config(ctx);
  PluginCatalog plugins = discover_plugins(ctx);
  const std::vector<LoadResult> loaded = load_dags(ctx, plugins);  // for the recovery of dead engines' runs
  app::Engine engine(engine_settings(ctx, "scheduler", std::move(config)), std::move(plugins), loaded);
  const CancelToken& stop = engine.stop();
  RunLog log(std::cout);

  RunThreads threads([&](std::shared_ptr<const Dag> dag, RunRecord run, const CancelToken& cancel,
                         const CancelToken& drain) { engine.resume(*dag, std::move(run), cancel, drain, {&log}); });
  Scheduler scheduler(engine.store(), threads, engine.lease().id());
  std::set<std::string> reported;
  std::filesystem::create_directories(ctx.home.dags);
  std::vector<std::shared_ptr<const Dag>> dags = load_valid(ctx, engine.plugins(), reported);
  scheduler.set_dags(dags);
  EngineWatch engines(engine.lease().id(), engine.lease().record().hostname, kLeaseInterval);
  auto watch_engines = [&] {
    try {
      engines.watch(engine.store().list_engines());
    } catch (const std::exception& e) {
      spdlog::warn("{}", e.what());  // the periodic check tries again
    }
  };
  watch_engines();
  DagWatch watch(ctx.home.dags);
  WakeListener wake(ctx.home.db.string());
  std::cout << "dagrun scheduler: " << ctx.home.dags.string() << " -> " << ctx.home.db.string() << " (engine "
            << engine.lease().id() << ")" << std::endl;

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
        dags = load_valid(ctx, engine.plugins(), reported);
        scheduler.set_dags(dags);
      }
    }
    if (fds[2].revents) wake.drain();
    if (fds[3].revents) threads.reap();
  }

  const size_t active = threads.active();
  std::cout << "dagrun scheduler: stopping (" << stop.reason() << "); " << active << " run(s) active" << std::endl;
  if (active > 0) {
    threads.drain_all("scheduler stopped; the run resumes when a scheduler starts");
    if (!threads.wait_idle(std::chrono::steady_clock::now() + grace)) {
      std::cout << "dagrun scheduler: grace period of " << format_duration(grace)
                << " over, stopping the running tasks" << std::endl;
      threads.suspend_all("scheduler stopped; interrupted tasks run again when the run resumes");
      threads.wait_idle(std::chrono::steady_clock::time_point::max());
    }
    threads.reap();
  }
  engine.flush();
  std::cout << "dagrun scheduler: stopped" << std::endl;
  return kExitOk;
}

}  // namespace dagrun::cli
