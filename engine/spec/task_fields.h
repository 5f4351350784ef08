// The keys of a task, shared by the tasks themselves and by default_args.
#pragma once

#include "spec/container_fields.h"
#include "spec/field_reader.h"
#include "spec/loader.h"
#include "spec/task_keys.h"
#include "model/model.h"

namespace dagrun {

// The settings that have an effect on some forms of task only, as written,
// before the task's kind (and a plugin's isolation, which default_args may give)
// is known. TaskSpec has a field for each only where it has an effect.
struct FormSettings {
  Isolation isolation = Isolation::process;
  std::optional<std::uint64_t> memory_limit;
  std::optional<Duration> cpu_limit;
};

struct TaskDefaults {
  TaskSpec spec;        // the values default_args gives for every kind (its action is unused)
  FormSettings form;    // and for some forms only
  std::shared_ptr<const ContainerSpec> container;  // its container object, as written
  TaskKeySet keys;      // which keys it gives
  ContainerKeySet container_keys;  // which keys its container object gives
};

// Reads of a task's command, plugin name and env, which callbacks' actions
// (spec/callback_fields.h) share.
void read_command(const Json& v, const Scope& s, std::vector<std::string>& argv, Problems& p);
void read_plugin(const Json& v, const Scope& s, const LoadOptions& options, std::string& plugin,
                 Problems& p);
void read_env(const Json& v, const Scope& s, TaskSpec& spec, Problems& p);

// Reads default_args; its problems are reported once, at their place in default_args.
TaskDefaults read_default_args(const Json& object, const LoadOptions& options, Problems& problems);

struct TaskRead {
  TaskSpec spec;
  TaskKeySet keys;  // keys the task itself gives
  bool id_valid = false;
  // A container task's own container object is in its action as written, with
  // these keys; complete_container fills in the rest once default_args is known.
  ContainerKeySet container_keys;
  // expand {"xcom": ID}'s id as written, for the loader to resolve.
  std::string expand_xcom;
};

// Reads tasks[index] as written, without defaults. Its upstream ids are appended,
// as written, to upstream_ids: one buffer for the whole file, so that a task's list
// costs no allocation of its own (for 100,000 tasks that was 4% of a load); the
// loader resolves them once every task is known. A setting with no effect on the
// task's form is not kept (check_keys_have_effect reports it).
TaskRead read_task(const Json& object, int index, const LoadOptions& options,
                   Problems& problems, std::vector<std::string>& upstream_ids);

// Fills in what default_args gives and the task does not, where it has an effect
// (task_keys.h): isolation first, on plugin tasks, then the keys with an effect on
// the task's kind and isolation. The container object is left to complete_container.
// A plugin that default_args makes in_process loses the limits it gives itself,
// which check_keys_have_effect reports.
void apply_defaults(const TaskDefaults& defaults, TaskRead& task);

// Reports each key the task gives itself that has no effect on it, at the key: on
// its kind, and for a plugin on its isolation, its own or the one default_args
// gives (default_keys: the keys default_args gives). A task with none or two of
// command, plugin and container is left to the error about that.
void check_keys_have_effect(const TaskSpec& spec, TaskKeySet own_keys, TaskKeySet default_keys,
                            const Scope& scope, Problems& problems);

}  // namespace dagrun
