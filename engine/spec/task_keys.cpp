#include "spec/task_keys.h"

#include <array>

#include "model/limits.h"

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
  KeyDoc doc;            // its value's shape, description and default
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
// The descriptions are what an editor shows over a key (spec/dag_schema.h).
constexpr std::array<Row, kTaskKeyCount> kRows{{
    {TaskKey::task_id, "task_id", kEvery, false,
     {Shape::id, "The task's id, unique in the DAG: letters, digits, '_', '-' and '.', at most 250 bytes."}},
    {TaskKey::upstream, "upstream", kEvery, false,
     {Shape::id_list, "The ids of the tasks that must end before this one starts (its trigger_rule says how).",
      "[]"}},
    {TaskKey::command, "command", kCommand, false,
     {Shape::argv, "Run a program: its argument list, not a shell line (use [\"sh\", \"-c\", \"...\"] for one). "
                   "Templates such as {{ ds }} are rendered in each argument."}},
    {TaskKey::plugin, "plugin", kPlugin, false,
     {Shape::plugin_name, "Run a plugin (a shared library in the plugin directory) by its name; "
                          "`dagrun plugins` lists them."}},
    {TaskKey::container, "container", kContainer, true,
     {Shape::container, "Run a container through the Docker Engine API (the DockerOperator's keys); "
                        "the container policy refuses what would make it root on the host."}},
    {TaskKey::params, "params", kEvery, true,
     {Shape::any, "Values for templates ({{ params.KEY }}) and for plugins, over the DAG's params."}},
    {TaskKey::env, "env", kEvery, true,
     {Shape::env, "Environment variables of the task's process or plugin, as strings.", "{}"}},
    {TaskKey::retries, "retries", kEvery, true,
     {Shape::integer, "How many times a failed try is tried again.", "0", 0, limits::kMaxRetries}},
    {TaskKey::retry_delay, "retry_delay", kEvery, true,
     {Shape::duration, "How long to wait before a retry: \"30s\", \"5m\", \"1h30m\" or a number of seconds.",
      "\"5m\""}},
    {TaskKey::retry_exponential_backoff, "retry_exponential_backoff", kEvery, true,
     {Shape::boolean, "Double the wait before each further retry, up to max_retry_delay.", "false"}},
    {TaskKey::max_retry_delay, "max_retry_delay", kEvery, true,
     {Shape::duration_or_null, "The longest wait before a retry with exponential backoff; null for no bound.",
      "null"}},
    {TaskKey::execution_timeout, "execution_timeout", kEvery, true,
     {Shape::duration_or_null, "How long one try may run before it is stopped and fails; null for no bound.",
      "null"}},
    {TaskKey::cpu_limit, "cpu_limit", kCommand | kProcessPlugin, true,
     {Shape::duration_or_null, "CPU time one try's process may use (RLIMIT_CPU); commands and process plugins.",
      "null"}},
    {TaskKey::trigger_rule, "trigger_rule", kEvery, true,
     {Shape::trigger_rule, "When the task runs, given its upstream tasks' states.", "\"all_success\""}},
    {TaskKey::isolation, "isolation", kPlugin, true,
     {Shape::isolation, "How a plugin runs: in a task host process of its own, or on a thread of the engine.",
      "\"process\""}},
    {TaskKey::memory_limit, "memory_limit", kProcessPlugin, true,
     {Shape::byte_size_or_null, "The data size a process plugin's task host may use (RLIMIT_DATA): "
                                "bytes, or a string such as \"512MiB\"; null for no limit.",
      "null"}},
    {TaskKey::queue, "queue", kEvery, true,
     {Shape::id, "Hand the task's tries to workers serving this queue (`dagrun worker --queue`) "
                 "instead of running them in the scheduler."}},
    {TaskKey::on_failure, "on_failure", kEvery, true,
     {Shape::callbacks, "What to run when a try fails for good: a callback or a list of them.", "null"}},
    {TaskKey::on_retry, "on_retry", kEvery, true,
     {Shape::callbacks, "What to run when a try fails and will be retried.", "null"}},
    {TaskKey::on_success, "on_success", kEvery, true,
     {Shape::callbacks, "What to run when the task succeeds.", "null"}},
    {TaskKey::pool, "pool", kEvery, true,
     {Shape::id, "The pool whose slots the task's tries take (pools are declared in the home's dagrun.json)."}},
    {TaskKey::pool_slots, "pool_slots", kEvery, true,
     {Shape::integer, "How many of its pool's slots one try takes.", "1", 1, limits::kMaxPoolSlots}},
    {TaskKey::priority_weight, "priority_weight", kEvery, true,
     {Shape::integer, "Which waiting try gets a free pool slot first: the higher, the sooner.", "1",
      -limits::kMaxPriorityWeight, limits::kMaxPriorityWeight}},
    {TaskKey::expand, "expand", kEvery, false,
     {Shape::expand, "Map the task: one instance per item of a list, written here or pulled from an "
                     "upstream task's XCom ({\"xcom\": TASK_ID})."}},
}};

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
    if (static_cast<size_t>(row.key) != k || row.name.empty() || row.doc.description.empty() ||
        (row.effect & kEvery) == 0)
      return false;
    if (row.doc.shape == Shape::integer && row.doc.min > row.doc.max) return false;
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

const KeyDoc& task_key_doc(TaskKey key) { return kRows[static_cast<size_t>(key)].doc; }

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
