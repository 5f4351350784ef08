#include "run/runner.h"

#include "model/ids.h"
#include "model/iso_time.h"
#include "run/run_execution.h"
#include "store/dag_version.h"

namespace dagrun {

void ExecutorSet::add(TaskKind kind, std::unique_ptr<Executor> executor) {
  executors_[kind] = std::move(executor);
}

Executor* ExecutorSet::find(TaskKind kind) const {
  auto it = executors_.find(kind);
  return it == executors_.end() ? nullptr : it->second.get();
}

std::filesystem::path run_log_dir(const std::filesystem::path& logs_root, const std::string& dag_id,
                                  const std::string& run_id) {
  return logs_root / id_file_name(dag_id) / id_file_name(run_id);
}

std::filesystem::path try_log_path(const std::filesystem::path& run_log_dir,
                                   const std::string& task_id, int try_number) {
  // One flat directory per run: no directory to create per try. The try
  // number is the last dot-separated part before ".log", so no two
  // (task, try) pairs share a name. Room is kept for the longest try number.
  constexpr size_t kSuffix = 1 + 10 + 4;  // "." + INT_MAX's digits + ".log"
  return run_log_dir / (id_file_name(task_id, kSuffix) + "." + std::to_string(try_number) + ".log");
}

std::filesystem::path run_data_dir(const std::filesystem::path& data_root, const std::string& dag_id,
                                   const std::string& run_id) {
  return data_root / id_file_name(dag_id) / id_file_name(run_id);
}

std::string make_run_id(std::string_view run_type, TimePoint at) {
  return std::string(run_type) + "__" + format_iso8601(at);
}

Runner::Runner(HistoryStore& store, const ExecutorSet& executors, const CancelToken& cancel)
    : store_(store), executors_(executors), cancel_(cancel) {}

RunRecord Runner::run(const RunRequest& request) {
  const Dag& dag = *request.dag;
  RunRecord run;
  run.run_id = request.run_id;
  run.dag_id = dag.dag_id;
  run.state = RunState::running;
  run.run_type = request.run_type;
  run.conf_json = request.conf_json;
  run.dag_file = dag.file;
  run.owner = request.owner;
  run.queued_at = run.start_date = std::chrono::system_clock::now();
  run.logical_date = request.logical_date.value_or(*run.queued_at);
  run.data_interval_start = request.data_interval_start.value_or(*run.logical_date);
  run.data_interval_end = request.data_interval_end.value_or(*run.logical_date);
  std::vector<TaskInstanceRecord> tasks;
  tasks.reserve(dag.tasks.size());
  for (const TaskSpec& t : dag.tasks)
    tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
  const std::optional<DagVersionRecord> version = dag_version_of(dag, *run.queued_at);
  if (version) run.dag_version = version->version;
  store_.create_run(run, tasks, version ? &*version : nullptr);

  RunExecution execution(request, executors_, cancel_, observers_);
  return execution.execute(std::move(run), nullptr);
}

RunRecord Runner::resume(const RunRequest& request, RunRecord run) {
  run.state = RunState::running;
  run.owner = request.owner;
  run.reason.clear();
  RunExecution execution(request, executors_, cancel_, observers_);
  return execution.execute(std::move(run), &store_);
}

}  // namespace dagrun
