// `dagrun test DAG_ID TASK_ID [DATE]`: one try of one task, run here and now,
// as Airflow's `airflow tasks test` runs one: its templates rendered for a
// chosen logical date, its upstream XComs given (on the command line, or as
// the DAG's latest run left them), and nothing recorded in the history: no
// run, no try, no XCom, no callback. Retries, pools, a queue's workers and
// the run's other tasks do not come into it (docs/cli.md, "dagrun test").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/cancel.h"
#include "model/model.h"
#include "run/runner.h"
#include "store/history_store.h"

namespace dagrun::app {

struct TaskTest {
  const Dag* dag = nullptr;
  std::string task_id;                // a task of dag, or an instance of a mapped one: task_id[INDEX]
  TimePoint logical_date;             // the try's {{ ds }}, {{ logical_date }}, ...
  TimePoint interval_start, interval_end;
  std::string conf_json = "{}";       // {{ conf.KEY }}, the run's conf
  nlohmann::json params = nlohmann::json::object();  // over the task's params, key by key
  std::vector<XComRecord> xcoms;      // the upstream tasks' values (run_id unused)
  std::filesystem::path home;         // DAGRUN_HOME; relative paths in the task resolve against it
  std::filesystem::path data_dir;     // the try's data directory (created)
  std::filesystem::path log_path;     // the try's log (its directory created)
};

struct TaskTestResult {
  TryOutcome outcome;
  std::vector<std::pair<std::string, std::string>> pushed;  // key, value JSON, in push order
};

// Why the test cannot run (an unknown task, a mapped task without an index,
// an index its list lacks, a template without its value); nothing ran then.
class TaskTestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The run id a test's try sees ({{ run_id }}, DAGRUN_RUN_ID): test__DATE,
// which no run of the history has (they are manual__, scheduled__, backfill__).
std::string test_run_id(TimePoint logical_date);

// The XComs the DAG's latest run in `history` recorded, and its id; empty
// when it has none.
std::pair<std::string, std::vector<XComRecord>> latest_run_xcoms(const HistoryReader& history,
                                                                  const std::string& dag_id);

// Runs the try with the executor of the task's kind (a task with a queue runs
// here too) until it ends or `cancel` stops it. Throws TaskTestError.
TaskTestResult run_task_test(const TaskTest& test, const ExecutorSet& executors, const CancelToken& cancel);

}  // namespace dagrun::app
