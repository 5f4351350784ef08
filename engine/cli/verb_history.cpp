// dagrun runs / tasks / logs: reading the history.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/history_json.h"
#include "cli/dag_folder.h"
#include "cli/number_flags.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/iso_time.h"

namespace dagrun::cli {
namespace {

// "2026-11-29 02:07:39": seconds are enough in a table.
std::string time_cell(const std::optional<TimePoint>& t) {
  if (!t) return "-";
  std::string s = format_iso8601(*t);
  s[10] = ' ';
  return s.substr(0, 19);
}

std::string duration_cell(const std::optional<TimePoint>& a, const std::optional<TimePoint>& b) {
  if (!a || !b) return "-";
  return format_duration_ms(std::chrono::duration_cast<std::chrono::milliseconds>(*b - *a).count());
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// The log shown is what the file kept; say so when the try's output did not all reach it.
void warn_if_incomplete(const TryRecord& attempt) {
  if (attempt.log_error.empty()) return;
  std::cerr << "dagrun logs: warning: the log of try " << attempt.try_number << " of task '" << attempt.task_id
            << "' is incomplete: " << first_line(attempt.log_error) << "\n";
}

}  // namespace

int verb_runs(Context& ctx) {
  RunFilter filter;
  if (!ctx.args.positionals.empty()) filter.dag_id = checked_id(ctx.args.positionals[0], IdKind::dag, "DAG_ID");
  if (auto s = ctx.args.value("state")) {
    filter.state = parse_run_state(*s);
    if (!filter.state) throw UsageError("--state must be queued, running, success or failed, not '" + *s + "'");
  }
  filter.limit = number_flag(ctx.args, "limit", 0, 1'000'000, 20);
  auto store = open_history(ctx, false);
  std::vector<RunRecord> runs = store ? store->list_runs(filter) : std::vector<RunRecord>{};
  if (ctx.args.has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const RunRecord& r : runs) out.push_back(app::run_json(r));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (runs.empty()) {
    std::cout << "no runs\n";
    return kExitOk;
  }
  // The version's first 12 hex digits tell versions apart at a glance;
  // --json gives it whole.
  Table table({"RUN_ID", "DAG_ID", "VERSION", "STATE", "STARTED", "DURATION", "REASON"});
  for (const RunRecord& r : runs)
    table.add({r.run_id, r.dag_id, r.dag_version.empty() ? "-" : r.dag_version.substr(0, 12),
               std::string(to_string(r.state)), time_cell(r.start_date), duration_cell(r.start_date, r.end_date),
               first_line(r.reason)});
  table.print(std::cout);
  return kExitOk;
}

int verb_tasks(Context& ctx) {
  const std::string& run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  auto store = open_history(ctx, false);
  auto run = store ? store->get_run(run_id) : std::nullopt;
  if (!run) {
    std::cerr << "dagrun tasks: no run '" << run_id << "'\n";
    return kExitFailed;
  }
  std::vector<TryRecord> tries = store->list_tries(run_id);
  std::vector<TaskInstanceRecord> tasks = store->list_task_instances(run_id);
  const std::vector<TryRecord> rows = app::task_rows(tasks, tries);
  if (ctx.args.has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const TryRecord& r : rows) out.push_back(app::try_json(r));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "run " << run_id << " of " << run->dag_id << ": " << to_string(run->state) << "\n";
  Table table({"TASK_ID", "TRY", "STATE", "STARTED", "DURATION", "EXIT", "ERROR"});
  for (const TryRecord& r : rows) {
    std::string exit = r.exit_code ? std::to_string(*r.exit_code) : r.signal ? "sig " + std::to_string(*r.signal) : "-";
    table.add({r.task_id, std::to_string(r.try_number), std::string(to_string(r.state)), time_cell(r.start_date),
               duration_cell(r.start_date, r.end_date), exit, first_line(r.error)});
  }
  table.print(std::cout);
  for (const TryRecord& r : rows)
    if (!r.log_error.empty())
      std::cout << "warning: the log of try " << r.try_number << " of task '" << r.task_id
                << "' is incomplete: " << first_line(r.log_error) << "\n";
  return kExitOk;
}


int verb_logs(Context& ctx) {
  const std::string& run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  // A mapped task's instance too: task_id[index].
  const std::string& task_id = checked_id(ctx.args.positionals[1], IdKind::task_instance, "TASK_ID");
  std::optional<int> try_number;
  if (ctx.args.value("try")) try_number = number_flag(ctx.args, "try", 0, 1'000'000, 0);
  auto store = open_history(ctx, false);
  auto attempt = store ? store->get_try(run_id, task_id, try_number) : std::nullopt;
  if (!attempt) {
    std::cerr << "dagrun logs: no " << (try_number ? "try " + std::to_string(*try_number) + " of " : "try of ")
              << "task '" << task_id << "' in run '" << run_id << "'\n";
    return kExitFailed;
  }
  std::ifstream in(attempt->log_path, std::ios::binary);
  if (!in && !std::filesystem::exists(attempt->log_path)) {
    // A worker's try: its file is on the worker's host, its log in the history.
    if (WorkQueue* queue = store->work_queue()) {
      if (auto log = queue->stored_log({run_id, task_id, attempt->try_number})) {
        std::cout << *log << std::flush;
        warn_if_incomplete(*attempt);
        return kExitOk;
      }
    }
  }
  if (!in) {
    // A try that wrote nothing may have no file; that is not an error.
    if (!std::filesystem::exists(attempt->log_path)) {
      warn_if_incomplete(*attempt);
      return kExitOk;
    }
    std::cerr << "dagrun logs: cannot read " << attempt->log_path << "\n";
    return kExitFailed;
  }
  std::cout << in.rdbuf() << std::flush;
  warn_if_incomplete(*attempt);
  return kExitOk;
}

}  // namespace dagrun::cli
