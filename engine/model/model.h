// The DAG model: what a validated DAG file becomes. Plain data, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>


#include "model/callbacks.h"
#include "model/cron.h"
#include "model/json_value.h"
#include "model/states.h"
#include "model/time_types.h"
#include "model/time_zone.h"

namespace dagrun {

struct ContainerSpec;
class DagSource;

// The order of each enum is the order of the variant it names (TaskSpec::action,
// PluginTask::isolation), so kind() is the variant's index.
enum class TaskKind { command, plugin, container };
enum class Isolation { process, in_process };

std::string_view to_string(TaskKind k);
std::string_view to_string(Isolation i);

// Each kind of task holds only the settings that have an effect on it, so a key
// the loader refuses for a kind (spec/task_keys.cpp decides which) has no field
// to land in.
struct CommandTask {
  std::vector<std::string> argv;
  std::optional<Duration> cpu_limit;  // RLIMIT_CPU of the command's process
};

// A plugin in a dagrun-task-host process of its own (the default), which the
// limits apply to.
struct ProcessIsolation {
  std::optional<std::uint64_t> memory_limit;  // bytes, RLIMIT_DATA of the task host
  std::optional<Duration> cpu_limit;          // RLIMIT_CPU of the task host
};
// A plugin on a thread of the engine: there is no process of its own to limit.
struct InProcessIsolation {};

struct PluginTask {
  std::string name;
  std::variant<ProcessIsolation, InProcessIsolation> isolation;

  Isolation isolation_kind() const { return static_cast<Isolation>(isolation.index()); }
  const ProcessIsolation* process() const { return std::get_if<ProcessIsolation>(&isolation); }
};

struct ContainerTask {
  // Shared so the 100,000 tasks of a large DAG do not each carry a container
  // description. Never null in a loaded DAG.
  std::shared_ptr<const ContainerSpec> spec;
};

using TaskAction = std::variant<CommandTask, PluginTask, ContainerTask>;

// A mapped task's list (its `expand` key): one instance of the task runs per
// item, decided when the task is ready (docs/dag-format.md, "Mapped tasks").
struct MapSource {
  JsonValue items;  // the list as written, unless from_xcom
  // Else the XCom `xcom_key` of upstream task `xcom_task` (an index into
  // Dag::tasks, resolved by the loader), which must hold a JSON list.
  bool from_xcom = false;
  std::uint32_t xcom_task = 0;
  std::string xcom_key = "return_value";
};

// Defaults follow Airflow's where Airflow has one.
struct TaskSpec {
  std::string task_id;
  // Indices into Dag::tasks, resolved once by the loader (which reports unknown
  // ids, self references and repeats), in the order the file lists them.
  std::vector<std::uint32_t> upstream;

  JsonValue params;                                       // null when absent
  std::vector<std::pair<std::string, std::string>> env;  // in file order

  int retries = 0;
  Duration retry_delay = std::chrono::minutes(5);
  bool retry_exponential_backoff = false;
  std::optional<Duration> max_retry_delay;
  std::optional<Duration> execution_timeout;
  TriggerRule trigger_rule = TriggerRule::all_success;
  // The workers' queue that runs this task's tries (`dagrun worker --queue`);
  // empty: the engine running the run runs them itself.
  std::string queue;
  // on_failure, on_retry, on_success of this task (model/callbacks.h).
  Callbacks callbacks;
  // The pool its tries take slots of (model/pools.h; empty: none), how many,
  // and its priority when slots are scarce (higher first).
  std::string pool;
  int pool_slots = 1;
  int priority_weight = 1;

  TaskAction action;  // what the task runs, by kind
  // Set for a mapped task; shared, as the run's instances are copies of it.
  std::shared_ptr<const MapSource> expand;

  TaskKind kind() const { return static_cast<TaskKind>(action.index()); }
  // The action when it is of that kind, else null.
  const CommandTask* command() const { return std::get_if<CommandTask>(&action); }
  const PluginTask* plugin() const { return std::get_if<PluginTask>(&action); }
  const ContainerTask* container() const { return std::get_if<ContainerTask>(&action); }
  // A plugin that runs inside the engine.
  bool in_process() const {
    const PluginTask* p = plugin();
    return p && p->isolation_kind() == Isolation::in_process;
  }
};

struct Dag {
  std::string dag_id;
  std::string description;
  std::string file;  // the file it was loaded from
  // That file's text, as loaded (model/dag_source.h): what a run of it
  // records as the version it runs. Shared by the Dag's copies; null for a
  // Dag built in code.
  std::shared_ptr<const DagSource> source;

  // Parsed once by the loader; the scheduler uses them as they are. text()
  // and name() give them back as written.
  std::optional<CronSchedule> schedule;  // cron expression or preset
  TimeZone timezone = TimeZone::utc();   // the zone the schedule's times are in
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  bool catchup = false;
  int max_active_tasks = 0;  // 0: the number of cores
  int max_active_runs = 16;
  std::vector<std::string> tags;
  JsonValue params;  // DAG-level params, null when absent
  // The run's own on_failure, on_success and on_deadline (on_retry is a task's).
  Callbacks callbacks;
  // When a run must be done by; on_deadline says what then.
  std::optional<DeadlineSpec> deadline;

  std::vector<TaskSpec> tasks;  // in file order

  // Index of a task by id, or -1.
  int index_of(std::string_view task_id) const;
  // The ids of a task's upstream tasks, in its order, for what shows them.
  std::vector<std::string> upstream_ids(const TaskSpec& task) const;
  void rebuild_index();

 private:
  std::unordered_map<std::string, int> index_;
};

}  // namespace dagrun
