// How one try of one task is executed. One Executor per task kind ("command",
// "plugin", "container"), kept in an ExecutorRegistry; the Runner calls run()
// on a worker thread and the call blocks until the try is over.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "model/model.h"
#include "base/cancel.h"

namespace dagrun {

struct TryRequest {
  const Dag* dag = nullptr;
  const TaskSpec* task = nullptr;
  std::string run_id;
  std::string dag_version;  // the run's DAG version (SHA-256 of its file); empty when unknown
  int try_number = 1;
  std::string conf_json = "{}";
  std::filesystem::path data_dir;  // the run's data directory; working directory of children
  std::filesystem::path log_path;  // this try's log file; its directory exists
  std::filesystem::path home;      // the dagrun home: relative paths in a task resolve against it
  // Added to the environment of the try's process (and handed to in_process
  // plugins): the engine's DAGRUN_* context variables, then the task's env.
  std::vector<std::pair<std::string, std::string>> env;
  // An instance of a mapped task: its item, as JSON (what a worker needs to
  // make the same instance); empty otherwise.
  std::string map_item_json;
};

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

// What an executor reports while the try runs. Implemented by the Runner;
// every method is thread-safe.
class TrySink {
 public:
  virtual ~TrySink() = default;
  // A message from the plugin or the executor itself, for the engine's log.
  // (The executor also writes it to the try's log file.)
  virtual void log(LogLevel level, std::string_view message) = 0;
  // The process that runs the try, once known.
  virtual void started_process(int pid) = 0;
  // XCom: values pushed by earlier tasks of this run.
  virtual std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) = 0;
  // Returns an empty string on success, else why the value was refused.
  virtual std::string xcom_push(const std::string& key, const std::string& value_json) = 0;
  // Every value pushed so far in this run, as (task_id, key, value_json): a
  // try that runs on another host (exec/queue_executor.h) takes them along.
  virtual std::vector<std::tuple<std::string, std::string, std::string>> xcom_snapshot() { return {}; }
};

struct TryOutcome {
  enum class Status { success, failed, failed_no_retry, skipped };
  Status status = Status::failed;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string error;  // why it failed, one line; empty on success
  bool timed_out = false;
  bool cancelled = false;
  // Where the try ran when that was not this engine's host (a worker): its
  // host and its log there. Empty: here, at the request's log_path.
  std::string hostname;
  std::string log_path;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs one try to completion. Must return promptly (after killing what it
  // started) once cancel is cancelled or the task's execution_timeout passes.
  // Never throws: every failure becomes a failed outcome.
  virtual TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) = 0;
};

}  // namespace dagrun
