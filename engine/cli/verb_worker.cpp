// dagrun worker [--queue NAMES] [--slots N] [--lease DURATION]: takes tries
// from the PostgreSQL history's work queue and runs them (app/worker.h) until
// SIGINT or SIGTERM, which stop its tries (reported failed, so they are
// retried) and end it.
#include <iostream>
#include <sstream>

#include "app/worker.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"
#include "model/duration.h"
#include "model/ids.h"
#include "run/engine_lease.h"
#include "run/signals.h"

namespace dagrun::cli {
namespace {

constexpr int kMaxSlots = 1024;

// "a,b": each a queue name, with an id's rules (as the `queue` task key).
std::optional<std::vector<std::string>> parse_queues(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    if (auto problem = id_problem(IdKind::task, name)) {
      std::cerr << "dagrun worker: --queue: queue name " << quote_id(name) << " is not valid: " << *problem << "\n";
      return std::nullopt;
    }
    out.push_back(name);
  }
  if (out.empty()) {
    std::cerr << "dagrun worker: --queue needs at least one name\n";
    return std::nullopt;
  }
  return out;
}

}  // namespace

int verb_worker(Context& ctx) {
  app::WorkerOptions options;
  auto queues = parse_queues(ctx.args.value("queue").value_or("default"));
  if (!queues) return kExitUsage;
  options.queues = std::move(*queues);
  if (auto v = ctx.args.value("slots")) {
    int n = 0;
    try {
      size_t used = 0;
      n = std::stoi(*v, &used);
      if (used != v->size()) n = 0;
    } catch (const std::exception&) {
    }
    if (n < 1 || n > kMaxSlots) {
      std::cerr << "dagrun worker: --slots must be a whole number from 1 to " << kMaxSlots << ", got '" << *v
                << "'\n";
      return kExitUsage;
    }
    options.slots = n;
  }
  if (auto v = ctx.args.value("lease")) {
    std::string error;
    auto d = parse_duration(*v, &error);
    if (!d || *d < std::chrono::milliseconds(300) || *d > std::chrono::hours(1)) {
      std::cerr << "dagrun worker: --lease must be a duration from 300ms to 1h, got '" << *v << "'"
                << (error.empty() ? "" : ": " + error) << "\n";
      return kExitUsage;
    }
    options.lease = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }

  CancelToken stop;
  SignalCanceller signals(stop);  // before any thread starts
  std::unique_ptr<Store> store = open_history(ctx, true);
  if (!store->work_queue()) {
    std::cerr << "dagrun worker: the history is a SQLite file; workers take their tries from a PostgreSQL "
                 "history (--db postgresql://... or $DAGRUN_DB; docs/distributed.md)\n";
    return kExitUsage;
  }
  EngineLease lease(*store, "worker");
  std::cout << "dagrun worker " << lease.id() << ": queues";
  for (const auto& q : options.queues) std::cout << ' ' << q;
  std::cout << ", " << options.slots << " slot(s), lease " << format_duration(options.lease) << std::endl;
  app::WorkerStats stats = app::run_worker(ctx.home, *store, lease.id(), options, stop);
  std::cout << "dagrun worker " << lease.id() << ": stopped (" << stop.reason() << "); " << stats.tries_run
            << " tries run, " << stats.reports_refused << " reports refused" << std::endl;
  return kExitOk;
}

}  // namespace dagrun::cli
