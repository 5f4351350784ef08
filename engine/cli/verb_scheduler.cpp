// dagrun scheduler [--grace DURATION]: runs the scheduler daemon
// (app/scheduler_daemon.h) in the foreground (cli/foreground_scheduler.h).
#include <iostream>
#include <set>

#include "app/engine.h"
#include "app/history_location.h"
#include "app/scheduler_daemon.h"
#include "cli/dag_folder.h"
#include "cli/foreground_scheduler.h"
#include "cli/engine_setup.h"
#include "cli/run_log.h"
#include "cli/verbs.h"
#include "model/duration.h"
#include "sched/instance_lock.h"

namespace dagrun::cli {
namespace {

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

// The daemon's own lines on stdout, flushed each: they interleave with the
// run log, and whoever reads the output may be waiting for one.
class DaemonPrinter : public app::SchedulerEvents {
 public:
  DaemonPrinter(const Context& ctx, const app::Engine& engine) : ctx_(ctx), engine_(engine) {}

  void started() override {
    std::cout << "dagrun scheduler: " << ctx_.home.dags.string() << " -> " << app::history_name(ctx_.home)
              << " (engine " << engine_.lease().id() << ")" << std::endl;
  }
  void stopping(const std::string& reason, size_t active_runs) override {
    std::cout << "dagrun scheduler: stopping (" << reason << "); " << active_runs << " run(s) active" << std::endl;
  }
  void grace_over(std::chrono::milliseconds grace) override {
    std::cout << "dagrun scheduler: grace period of " << format_duration(grace)
              << " over, stopping the running tasks" << std::endl;
  }
  void stopped() override { std::cout << "dagrun scheduler: stopped" << std::endl; }

 private:
  const Context& ctx_;
  const app::Engine& engine_;
};

}  // namespace

std::chrono::milliseconds parse_grace(const ParsedArgs& args) {
  std::chrono::milliseconds grace = std::chrono::seconds(30);
  if (auto g = args.value("grace")) {
    std::string why;
    auto parsed = parse_duration(*g, &why);
    if (!parsed) throw UsageError("--grace: " + why);
    grace = *parsed;
  }
  return grace;
}

int run_foreground_scheduler(Context& ctx, std::chrono::milliseconds grace, const Alongside* alongside) {
  // One scheduler per SQLite file: its engines would contend for the one
  // writer. Several share a PostgreSQL history (the store hands each queued
  // run to one of them), so there is no lock to take.
  std::optional<InstanceLock> lock;
  if (ctx.home.db_url.empty()) {
    std::string holder;
    lock = InstanceLock::acquire(ctx.home.db.string() + ".scheduler.lock", &holder);
    if (!lock) {
      std::cerr << "dagrun scheduler: another scheduler is running on " << ctx.home.db.string() << " (" << holder
                << ")\n";
      return kExitFailed;
    }
  }
  EngineConfig config = read_engine_config(ctx);
  PluginCatalog plugins = discover_plugins(ctx);
  const std::vector<LoadResult> loaded = load_dags(ctx, plugins);  // for the recovery of dead engines' runs
  app::Engine engine(engine_settings(ctx, "scheduler", std::move(config)), std::move(plugins), loaded);

  RunLog log(std::cout);
  std::set<std::string> reported;
  app::SchedulerDaemonOptions options;
  options.grace = grace;
  options.load_dags = [&] { return load_valid(ctx, engine.plugins(), reported); };
  options.observers = {&log};
  DaemonPrinter printer(ctx, engine);
  if (alongside) alongside->start();
  try {
    app::run_scheduler_daemon(engine, options, printer);
  } catch (...) {
    if (alongside) alongside->stop();
    throw;
  }
  if (alongside) alongside->stop();
  return kExitOk;
}

int verb_scheduler(Context& ctx) { return run_foreground_scheduler(ctx, parse_grace(ctx.args)); }

}  // namespace dagrun::cli
