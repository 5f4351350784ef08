// dagrun test DAG_ID TASK_ID [DATE] [--conf JSON] [--param K=V]... [--xcom
// TASK[:KEY]=JSON]... [--xcoms-from RUN_ID|latest|none] [--data-dir DIR]: one
// try of one task in the foreground, its log on stdout, nothing recorded
// (app/task_test.h). Exit 0 when the try succeeded, 1 when it failed, 3 when
// it skipped, 2 when it could not start.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/backfill.h"
#include "app/executors.h"
#include "app/task_test.h"
#include "base/suggest.h"
#include "cli/conf_flag.h"
#include "cli/dag_folder.h"
#include "cli/engine_setup.h"
#include "cli/log_follower.h"
#include "cli/scratch_dir.h"
#include "cli/verbs.h"
#include "model/iso_time.h"
#include "model/xcom.h"
#include "policy/mount_paths.h"
#include "run/signals.h"
#include "sched/timetable.h"

namespace dagrun::cli {
namespace {

constexpr int kExitSkipped = 3;
// --param and --xcom: a command line's worth, not a data channel.
constexpr size_t kMaxRepeats = 1000;

void check_repeats(const ParsedArgs& args, const std::string& flag) {
  if (args.values_of(flag).size() > kMaxRepeats)
    throw UsageError("--" + flag + " is given more than " + std::to_string(kMaxRepeats) + " times");
}

// --param K=V: V as JSON when it is JSON ("3", "true", "[1]"), else as text.
nlohmann::json param_flags(const ParsedArgs& args) {
  check_repeats(args, "param");
  nlohmann::json params = nlohmann::json::object();
  for (const std::string& p : args.values_of("param")) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--param takes KEY=VALUE, not '" + p.substr(0, 80) + "'");
    const std::string key = p.substr(0, eq), text = p.substr(eq + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    params[key] = value.is_discarded() ? nlohmann::json(text) : std::move(value);
  }
  return params;
}

// --xcom TASK_ID[:KEY]=JSON (the key return_value when left out): what an
// upstream task would have pushed. Task ids hold no ':'.
std::vector<XComRecord> xcom_flags(const ParsedArgs& args) {
  check_repeats(args, "xcom");
  std::vector<XComRecord> out;
  for (const std::string& x : args.values_of("xcom")) {
    const size_t eq = x.find('=');
    if (eq == std::string::npos) throw UsageError("--xcom takes TASK_ID[:KEY]=JSON, not '" + x.substr(0, 80) + "'");
    std::string task = x.substr(0, eq), key = "return_value";
    if (const size_t colon = task.find(':'); colon != std::string::npos) {
      key = task.substr(colon + 1);
      task.resize(colon);
    }
    checked_id(task, IdKind::task_instance, "--xcom's task id");
    const std::string value = x.substr(eq + 1);
    if (std::string problem = xcom_problem(key, value); !problem.empty())
      throw UsageError("--xcom " + task + ":" + key.substr(0, 80) + ": " + problem);
    out.push_back({"", task, key, nlohmann::json::parse(value).dump()});
  }
  return out;
}

// The XComs the task may pull: --xcoms-from's run (the DAG's latest by
// default, read without creating a history), then --xcom over them.
std::vector<XComRecord> upstream_xcoms(const Context& ctx, const Dag& dag) {
  std::vector<XComRecord> given = xcom_flags(ctx.args);
  const std::string from = ctx.args.value("xcoms-from").value_or("latest");
  std::vector<XComRecord> xcoms;
  if (from != "none") {
    if (from != "latest") checked_id(from, IdKind::run, "--xcoms-from");
    std::unique_ptr<Store> store = open_history(ctx, false);
    std::string run_id;
    if (store && from == "latest") {
      std::tie(run_id, xcoms) = app::latest_run_xcoms(*store, dag.dag_id);
    } else if (store) {
      std::optional<RunRecord> run = store->get_run(from);
      if (!run || run->dag_id != dag.dag_id)
        throw UsageError("--xcoms-from: " + dag.dag_id + " has no run " + quote_id(from));
      run_id = from;
      xcoms = store->list_xcoms(from);
    } else if (from != "latest") {
      throw UsageError("--xcoms-from " + from + ": there is no history (" + ctx.home.db.string() + ")");
    }
    if (!run_id.empty())
      std::cerr << "dagrun test: XComs from run " << run_id << " (" << xcoms.size() << ")\n";
  }
  for (XComRecord& x : given) {
    std::erase_if(xcoms, [&](const XComRecord& old) { return old.task_id == x.task_id && old.key == x.key; });
    xcoms.push_back(std::move(x));
  }
  return xcoms;
}

// The logical date (now when not given) and its data interval: for a DAG
// with a recurring schedule, from the date to the schedule's next time after
// it, as a scheduled run of that date would have; else empty.
void choose_dates(const Context& ctx, const Dag& dag, app::TaskTest& test) {
  TimePoint date = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  if (ctx.args.positionals.size() > 2) {
    const std::string& text = ctx.args.positionals[2];
    auto parsed = text.size() <= 64 ? app::parse_backfill_date(text, dag.timezone) : std::nullopt;
    if (!parsed) throw UsageError("DATE '" + text.substr(0, 64) + "' is not a date such as 2026-03-01 or 2026-03-01T06:00:00Z");
    date = *parsed;
  }
  test.logical_date = test.interval_start = test.interval_end = date;
  if (dag.schedule && !dag.schedule->once()) {
    Timetable timetable(*dag.schedule, dag.timezone, date, std::nullopt);
    if (auto end = timetable.next_fire_after(date)) test.interval_end = *end;
  }
}

// --data-dir: an existing directory in the DAG's data directory (a run's,
// HOME/data/DAG_ID/RUN_ID), by its real path. A try works in its data
// directory and a container task's executor opens it to the container (mode
// 1777), so it is never a directory of the host elsewhere (`/etc`, or one
// reached through `..` or a link).
std::filesystem::path existing_run_data_dir(const Context& ctx, const Dag& dag, const std::string& written) {
  namespace fs = std::filesystem;
  const fs::path root = ctx.home.data / id_file_name(dag.dag_id);
  std::error_code ec, root_ec;
  const fs::path real = fs::canonical(fs::absolute(written), ec);
  const fs::path real_root = fs::canonical(root, root_ec);
  if (ec || root_ec || !fs::is_directory(real) || real == real_root || !path_within(real, real_root))
    throw UsageError("--data-dir must be an existing directory in " + root.string() +
                     " (a run's data directory), not '" + written.substr(0, 200) + "'");
  return real;
}

int exit_code_of(const TryOutcome& outcome) {
  switch (outcome.status) {
    case TryOutcome::Status::success: return kExitOk;
    case TryOutcome::Status::skipped: return kExitSkipped;
    default: return kExitFailed;
  }
}

}  // namespace

int verb_test(Context& ctx) {
  const std::string& dag_id = checked_id(ctx.args.positionals[0], IdKind::dag, "DAG_ID");
  const std::string& task_id = checked_id(ctx.args.positionals[1], IdKind::task_instance, "TASK_ID");
  app::TaskTest test;
  test.conf_json = conf_flag(ctx.args);
  test.params = param_flags(ctx.args);
  const LoadedForRun loaded = load_for_run(ctx, dag_id, "test");
  const Dag* dag = loaded.dag;
  if (!dag) return kExitUsage;
  // An instance (task_id[INDEX]) is checked against its task by run_task_test.
  const auto instance = parse_mapped_task_id(task_id);
  if (dag->index_of(instance ? instance->task_id : std::string_view(task_id)) < 0) {
    Suggester s(task_id);
    for (const TaskSpec& t : dag->tasks) s.consider(t.task_id);
    std::cerr << "dagrun test: DAG " << quote_id(dag->dag_id) << " has no task " << quote_id(task_id)
              << did_you_mean(s.best()) << "\n";
    return kExitUsage;
  }
  test.dag = dag;
  test.task_id = task_id;
  choose_dates(ctx, *dag, test);
  test.xcoms = upstream_xcoms(ctx, *dag);
  test.home = ctx.home.root;

  // SIGINT and SIGTERM stop the try, before any thread starts (run/signals.h).
  CancelToken cancel;
  SignalCanceller signals(cancel);
  // The log in a directory of its own; the data directory, unless --data-dir
  // names one, where a run's would be (HOME/data/DAG_ID/test__XXXXXX, inside
  // the DAG's mount root), and both removed after.
  ScratchDir log_dir(std::filesystem::temp_directory_path(), "dagrun-test-");
  std::optional<ScratchDir> data_dir;
  if (auto dir = ctx.args.value("data-dir")) {
    test.data_dir = existing_run_data_dir(ctx, *dag, *dir);
  } else {
    data_dir.emplace(ctx.home.data / id_file_name(dag->dag_id), "test__");
    test.data_dir = data_dir->path();
  }
  test.log_path = log_dir.path() / "try.log";
  ExecutorSet executors = app::make_executors(ctx.home, loaded.plugins, loaded.config);
  std::cerr << "dagrun test: " << dag->dag_id << " " << task_id << ", logical date "
            << format_iso8601(test.logical_date) << "; nothing is recorded\n";
  app::TaskTestResult result;
  try {
    LogFollower follower(test.log_path, std::cout);
    result = app::run_task_test(test, executors, cancel);
  } catch (const app::TaskTestError& e) {
    std::cerr << "dagrun test: " << e.what() << "\n";
    return kExitUsage;
  }
  for (const auto& [key, value] : result.pushed) std::cerr << "dagrun test: XCom " << key << " = " << value << "\n";
  const TryOutcome& o = result.outcome;
  const char* word = o.status == TryOutcome::Status::success   ? "succeeded"
                     : o.status == TryOutcome::Status::skipped ? "skipped"
                                                               : "failed";
  std::cerr << "dagrun test: " << task_id << " " << word << (o.error.empty() ? "" : ": " + o.error) << "\n";
  return exit_code_of(o);
}

}  // namespace dagrun::cli
