// Task and run states, trigger rules: the vocabulary shared by the run state
// machine, the store and the CLI. Names match Airflow's so history reads the same.
#pragma once

#include <optional>
#include <string_view>

namespace dagrun {

enum class TaskState {
  queued,           // waiting for its upstream tasks or a free slot
  running,
  success,
  failed,
  up_for_retry,     // a try failed, the next one waits for its retry delay
  upstream_failed,
  skipped,
};

enum class RunState { queued, running, success, failed };

enum class TriggerRule {
  all_success,
  all_failed,
  all_done,
  one_success,
  one_failed,
  none_failed,
  none_skipped,
  always,
};

std::string_view to_string(TaskState s);
std::string_view to_string(RunState s);
std::string_view to_string(TriggerRule r);

std::optional<TaskState> parse_task_state(std::string_view s);
std::optional<RunState> parse_run_state(std::string_view s);
std::optional<TriggerRule> parse_trigger_rule(std::string_view s);

// Terminal states never change again within a run (until a clear).
bool is_terminal(TaskState s);
bool is_terminal(RunState s);

// All spellings, for "expected one of ..." messages.
std::string_view trigger_rule_names();  // "all_success, all_failed, ..."

}  // namespace dagrun
