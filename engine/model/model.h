// The DAG model: what a validated DAG file becomes. Plain data, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>


#include "model/cron.h"
#include "model/json_value.h"
#include "model/states.h"
#include "model/time_types.h"
#include "model/time_zone.h"

namespace dagrun {

struct ContainerSpec;

enum class TaskKind { command, plugin, container };
enum class Isolation { process, in_process };

std::string_view to_string(TaskKind k);
std::string_view to_string(Isolation i);

// Defaults follow Airflow's where Airflow has one.
struct TaskSpec {
  std::string task_id;
  std::vector<std::string> upstream;  // task ids, as written
  TaskKind kind = TaskKind::command;

  std::vector<std::string> command;  // argv, kind == command
  std::string plugin;                // plugin name, kind == plugin
  // kind == container; shared so the 100,000 tasks of a large DAG do not each
  // carry a container description.
  std::shared_ptr<const ContainerSpec> container;

  JsonValue params;                                       // null when absent
  std::vector<std::pair<std::string, std::string>> env;  // in file order

  int retries = 0;
  Duration retry_delay = std::chrono::minutes(5);
  bool retry_exponential_backoff = false;
  std::optional<Duration> max_retry_delay;
  std::optional<Duration> execution_timeout;
  TriggerRule trigger_rule = TriggerRule::all_success;

  Isolation isolation = Isolation::process;      // plugins only
  std::optional<std::uint64_t> memory_limit;     // bytes; plugins in a process (spec/task_keys.h)
  std::optional<Duration> cpu_limit;             // CPU time; commands and plugins in a process
};

struct Dag {
  std::string dag_id;
  std::string description;
  std::string file;  // the file it was loaded from

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

  std::vector<TaskSpec> tasks;  // in file order

  // Index of a task by id, or -1.
  int index_of(std::string_view task_id) const;
  void rebuild_index();

 private:
  std::unordered_map<std::string, int> index_;
};

}  // namespace dagrun
