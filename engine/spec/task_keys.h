// The keys of a task, and which kinds of task each one has an effect on.
//
// One table (task_keys.cpp) says, per key, its value's shape, description and
// default (value_shape.h: the JSON Schema is written from them) and the kinds
// of task it changes something for, as the executors use it: the loader refuses a key that a task
// gives itself where it has no effect, and applies a default_args key only to
// the tasks it has an effect on (as Airflow gives a default argument only to
// the operators that take it).
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string_view>

#include "model/model.h"
#include "spec/value_shape.h"

namespace dagrun {

enum class TaskKey {
  task_id,
  upstream,
  command,
  plugin,
  container,
  params,
  env,
  retries,
  retry_delay,
  retry_exponential_backoff,
  max_retry_delay,
  execution_timeout,
  cpu_limit,
  trigger_rule,
  isolation,
  memory_limit,
  queue,
  on_failure,
  on_retry,
  on_success,
  pool,
  pool_slots,
  priority_weight,
  expand,
};
constexpr size_t kTaskKeyCount = 24;

using TaskKeySet = std::bitset<kTaskKeyCount>;

// How a task runs: its kind, and for a plugin its isolation. The keys that have
// an effect differ between the two isolations (an in_process plugin runs on a
// thread of the engine, where no limit can be set).
enum class TaskForm { command, process_plugin, in_process_plugin, container };
constexpr size_t kTaskFormCount = 4;

TaskForm task_form(TaskKind kind, Isolation isolation);
TaskForm task_form(const TaskSpec& task);
// "a command task", "a plugin task", "an in_process plugin", "a container task".
std::string_view task_form_name(TaskForm form);

std::optional<TaskKey> parse_task_key(std::string_view name);
std::string_view task_key_name(TaskKey key);
// Its shape, description and default; for an integer its range, which the
// loader reads it within (task_fields.cpp) and the schema states.
const KeyDoc& task_key_doc(TaskKey key);

// default_args may set every key but the task's identity, upstream, command and
// plugin; its container object fills in each container task's, key by key.
bool has_default(TaskKey key);
// A key that is a task setting: for the hint on unknown DAG-level keys.
bool is_task_setting(std::string_view name);

// command, plugin and container: the keys that decide a task's kind.
bool is_kind_key(TaskKey key);

// Whether the key changes anything for a task of this form.
bool has_effect(TaskKey key, TaskForm form);
// Every key with an effect on the form.
TaskKeySet keys_with_effect(TaskForm form);
// Why a key has no effect on a form, and what to use instead, for the message;
// empty where it has an effect, and for the kind keys (a task with two of them
// is an error of its own).
std::string_view no_effect_hint(TaskKey key, TaskForm form);

}  // namespace dagrun
