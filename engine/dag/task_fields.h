// The keys of a task, shared by the tasks themselves and by default_args.
#pragma once

#include <bitset>
#include <optional>
#include <string_view>

#include "dag/container_fields.h"
#include "dag/field_reader.h"
#include "dag/loader.h"
#include "model/model.h"

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
};
constexpr size_t kTaskKeyCount = 16;

std::optional<TaskKey> parse_task_key(std::string_view name);
std::string_view task_key_name(TaskKey key);
// default_args may set every key but the task's identity, upstream, command and
// plugin; its container object fills in each container task's, key by key.
bool has_default(TaskKey key);
// A key that is a task setting: for the hint on unknown DAG-level keys.
bool is_task_setting(std::string_view name);

using TaskKeySet = std::bitset<kTaskKeyCount>;

struct TaskDefaults {
  TaskSpec spec;    // the values default_args gives
  TaskKeySet keys;  // which keys it gives
  ContainerKeySet container_keys;  // which keys its container object gives (in spec.container)
};

// Reads default_args; its problems are reported once, at their place in default_args.
TaskDefaults read_default_args(const Json& object, Problems& problems);

struct TaskRead {
  TaskSpec spec;
  TaskKeySet keys;  // keys the task itself gives
  bool id_valid = false;
  // A container task's own container object is in spec.container as written,
  // with these keys; complete_container fills in the rest once default_args is known.
  ContainerKeySet container_keys;
};

// Reads tasks[index] as written, without defaults. Upstream ids are kept as written;
// the loader resolves them once every task is known.
TaskRead read_task(const Json& object, int index, const LoadOptions& options,
                   Problems& problems);

// Fills in what default_args gives and the task does not. isolation and memory_limit
// defaults apply to plugin tasks only. The container object is left to
// complete_container.
void apply_defaults(const TaskDefaults& defaults, TaskRead& task);

}  // namespace dagrun
