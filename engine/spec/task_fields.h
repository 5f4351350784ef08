// The keys of a task, shared by the tasks themselves and by default_args.
#pragma once

#include "spec/container_fields.h"
#include "spec/field_reader.h"
#include "spec/loader.h"
#include "spec/task_keys.h"
#include "model/model.h"

namespace dagrun {

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

// Fills in what default_args gives and the task does not, where it has an effect
// (task_keys.h): isolation first, on plugin tasks, then the keys with an effect on
// the task's kind and isolation. The container object is left to complete_container.
void apply_defaults(const TaskDefaults& defaults, TaskRead& task);

// Reports each key the task gives itself that has no effect on it, at the key: on
// its kind, and for a plugin on its isolation, its own or the one default_args
// gives (default_keys: the keys default_args gives). A task with none or two of
// command, plugin and container is left to the error about that.
void check_keys_have_effect(const TaskSpec& spec, TaskKeySet own_keys, TaskKeySet default_keys,
                            const Scope& scope, Problems& problems);

}  // namespace dagrun
