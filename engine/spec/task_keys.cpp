#include "spec/task_keys.h"

#include <array>

namespace dagrun {
namespace {

// The forms, as bits of a row's `effect`.
constexpr unsigned kCommand = 1u << static_cast<unsigned>(TaskForm::command);
constexpr unsigned kProcessPlugin = 1u << static_cast<unsigned>(TaskForm::process_plugin);
constexpr unsigned kInProcessPlugin = 1u << static_cast<unsigned>(TaskForm::in_process_plugin);
constexpr unsigned kContainer = 1u << static_cast<unsigned>(TaskForm::container);
constexpr unsigned kPlugin = kProcessPlugin | kInProcessPlugin;
constexpr unsigned kEvery = kCommand | kPlugin | kContainer;

struct Row {
  TaskKey key;
  std::string_view name;
  unsigned effect;       // the forms the key changes something for
  bool in_default_args;  // default_args may give it
};

// Where each key takes effect (engine/exec/ and engine/run/):
//   params, env: every executor hands them on (an in_process plugin reads env
//     from its context), and templates in every kind may use params;
//   retries and the retry delays, trigger_rule: the run machine, for every task;
//   execution_timeout: every executor's deadline (an in_process plugin cannot
//     be stopped, but sees is_cancelled() and its try fails as timed out);
//   cpu_limit: RLIMIT_CPU of a command's process and of a plugin's task host;
//   memory_limit: RLIMIT_DATA of a plugin's task host (a command gets none);
//   isolation: the plugin executor's choice between the two;
//   queue: the run's engine, which hands every try of a task with a queue to
//     a worker serving it (store/work_queue.h) instead of running it;
//   on_failure, on_retry, on_success: the run, which records the event for
//     the engine's callback dispatcher (app/callback_dispatcher.h);
//   pool, pool_slots, priority_weight: the run, which takes the pool's slots
//     before each try starts (run/pool_gate.h), whatever runs it;
//   expand: the run, which makes one instance of the task per item when the
//     task is ready (run/task_map.h), whatever runs them;
//   container: the container executor, which has limits of its own
//     (container.mem_limit, container.cpus, container.pids_limit).
// clang-format off
constexpr std::array<Row, kTaskKeyCount> kRows{{
    {TaskKey::task_id,                   "task_id",                   kEvery,                    false},
    {TaskKey::upstream,                  "upstream",                  kEvery,                    false},
    {TaskKey::command,                   "command",                   kCommand,                  false},
    {TaskKey::plugin,                    "plugin",                    kPlugin,                   false},
    {TaskKey::container,                 "container",                 kContainer,                true},
    {TaskKey::params,                    "params",                    kEvery,                    true},
    {TaskKey::env,                       "env",                       kEvery,                    true},
    {TaskKey::retries,                   "retries",                   kEvery,                    true},
    {TaskKey::retry_delay,               "retry_delay",               kEvery,                    true},
    {TaskKey::retry_exponential_backoff, "retry_exponential_backoff", kEvery,                    true},
    {TaskKey::max_retry_delay,           "max_retry_delay",           kEvery,                    true},
    {TaskKey::execution_timeout,         "execution_timeout",         kEvery,                    true},
    {TaskKey::cpu_limit,                 "cpu_limit",                 kCommand | kProcessPlugin, true},
    {TaskKey::trigger_rule,              "trigger_rule",              kEvery,                    true},
    {TaskKey::isolation,                 "isolation",                 kPlugin,                   true},
    {TaskKey::memory_limit,              "memory_limit",              kProcessPlugin,            true},
    {TaskKey::queue,                     "queue",                     kEvery,                    true},
    {TaskKey::on_failure,                "on_failure",                kEvery,                    true},
    {TaskKey::on_retry,                  "on_retry",                  kEvery,                    true},
    {TaskKey::on_success,                "on_success",                kEvery,                    true},
    {TaskKey::pool,                      "pool",                      kEvery,                    true},
    {TaskKey::pool_slots,                "pool_slots",                kEvery,                    true},
    {TaskKey::priority_weight,           "priority_weight",           kEvery,                    true},
    {TaskKey::expand,                    "expand",                    kEvery,                    false},
}};
// clang-format on

// For each key and form the row leaves out (but the kind keys): why, and what to
// use instead.
struct NoEffect {
  TaskKey key;
  TaskForm form;
  std::string_view hint;
};

constexpr std::array kNoEffect{
    NoEffect{TaskKey::cpu_limit, TaskForm::in_process_plugin,
             "it runs inside the engine; use isolation \"process\" to limit its CPU time"},
    NoEffect{TaskKey::cpu_limit, TaskForm::container,
             "Docker limits a container's share of the CPUs, not its CPU time: use container.cpus, "
             "and execution_timeout to bound the try"},
    NoEffect{TaskKey::isolation, TaskForm::command,
             "isolation says how a plugin runs; a command always runs in a process of its own"},
    NoEffect{TaskKey::isolation, TaskForm::container,
             "isolation says how a plugin runs; Docker isolates a container"},
    NoEffect{TaskKey::memory_limit, TaskForm::command,
             "a command gets no memory limit; a container task has container.mem_limit"},
    NoEffect{TaskKey::memory_limit, TaskForm::in_process_plugin,
             "it runs inside the engine; use isolation \"process\" to limit its memory"},
    NoEffect{TaskKey::memory_limit, TaskForm::container, "use container.mem_limit"},
};

constexpr bool kind_key(TaskKey k) {
  return k == TaskKey::command || k == TaskKey::plugin || k == TaskKey::container;
}

constexpr bool effect(TaskKey key, TaskForm form) {
  return (kRows[static_cast<size_t>(key)].effect >> static_cast<unsigned>(form)) & 1u;
}

constexpr std::string_view hint_of(TaskKey key, TaskForm form) {
  for (const NoEffect& n : kNoEffect)
    if (n.key == key && n.form == form) return n.hint;
  return {};
}

// Rows in the enum's order, every key an effect somewhere, and a hint exactly
// where a key other than the kind keys has no effect.
constexpr bool table_is_whole() {
  for (size_t k = 0; k < kTaskKeyCount; ++k) {
    const Row& row = kRows[k];
    if (static_cast<size_t>(row.key) != k || row.name.empty() || (row.effect & kEvery) == 0) return false;
    for (size_t f = 0; f < kTaskFormCount; ++f) {
      const auto form = static_cast<TaskForm>(f);
      const bool hinted = !hint_of(row.key, form).empty();
      if (kind_key(row.key) ? hinted : hinted == effect(row.key, form)) return false;
    }
  }
  return true;
}
static_assert(table_is_whole(), "every task key needs a row in order, and a hint wherever it has no effect");

// Per form, the keys with an effect on it, as the bits of a TaskKeySet.
constexpr std::array<unsigned long long, kTaskFormCount> key_masks() {
  std::array<unsigned long long, kTaskFormCount> masks{};
  for (size_t f = 0; f < kTaskFormCount; ++f)
    for (size_t k = 0; k < kTaskKeyCount; ++k)
      if (effect(static_cast<TaskKey>(k), static_cast<TaskForm>(f))) masks[f] |= 1ull << k;
  return masks;
}

constexpr std::array<unsigned long long, kTaskFormCount> kKeyMasks = key_masks();

}  // namespace

TaskForm task_form(TaskKind kind, Isolation isolation) {
  switch (kind) {
    case TaskKind::command: return TaskForm::command;
    case TaskKind::plugin:
      return isolation == Isolation::in_process ? TaskForm::in_process_plugin : TaskForm::process_plugin;
    case TaskKind::container: return TaskForm::container;
  }
  return TaskForm::command;
}

TaskForm task_form(const TaskSpec& task) {
  const PluginTask* plugin = task.plugin();
  return task_form(task.kind(), plugin ? plugin->isolation_kind() : Isolation::process);
}

std::string_view task_form_name(TaskForm form) {
  switch (form) {
    case TaskForm::command: return "a command task";
    case TaskForm::process_plugin: return "a plugin task";
    case TaskForm::in_process_plugin: return "an in_process plugin";
    case TaskForm::container: return "a container task";
  }
  return "a task";
}

std::optional<TaskKey> parse_task_key(std::string_view name) {
  for (const Row& row : kRows)
    if (row.name == name) return row.key;
  return std::nullopt;
}

std::string_view task_key_name(TaskKey key) { return kRows[static_cast<size_t>(key)].name; }

bool has_default(TaskKey key) { return kRows[static_cast<size_t>(key)].in_default_args; }

bool is_task_setting(std::string_view name) {
  auto key = parse_task_key(name);
  return key && has_default(*key);
}

bool is_kind_key(TaskKey key) { return kind_key(key); }

bool has_effect(TaskKey key, TaskForm form) { return effect(key, form); }

TaskKeySet keys_with_effect(TaskForm form) { return TaskKeySet(kKeyMasks[static_cast<size_t>(form)]); }

std::string_view no_effect_hint(TaskKey key, TaskForm form) { return hint_of(key, form); }

}  // namespace dagrun
