#include "spec/task_fields.h"

#include <algorithm>
#include <string>

#include "model/limits.h"
#include "model/pools.h"
#include "base/suggest.h"
#include "spec/callback_fields.h"
#include "spec/map_fields.h"

namespace dagrun {
namespace {

size_t bit(TaskKey k) { return static_cast<size_t>(k); }

// on_failure, on_retry and on_success follow each other as CallbackEvent's values do.
static_assert(static_cast<size_t>(TaskKey::on_retry) - static_cast<size_t>(TaskKey::on_failure) ==
                  static_cast<size_t>(CallbackEvent::retry) &&
              static_cast<size_t>(TaskKey::on_success) - static_cast<size_t>(TaskKey::on_failure) ==
                  static_cast<size_t>(CallbackEvent::success));

void report_unknown_key(const Scope& scope, std::string_view key, bool defaults_only,
                        Problems& problems) {
  Suggester s(key);
  for (size_t i = 0; i < kTaskKeyCount; ++i)
    if (!defaults_only || has_default(static_cast<TaskKey>(i)))
      s.consider(task_key_name(static_cast<TaskKey>(i)));
  problems.at_key(scope, key, "unknown key '" + std::string(key) + "'" + did_you_mean(s.best()));
}

std::optional<Duration> read_optional_duration(const Json& v, const Scope& s, std::string_view key,
                                               Problems& p, bool& ok) {
  if (v.is_null()) return std::nullopt;
  auto d = read_duration(v, s, key, p);
  ok = d.has_value();
  return d;
}

}  // namespace

void read_env(const Json& v, const Scope& s, TaskSpec& spec, Problems& p) {
  if (!v.is_object()) {
    p.at_value(s, "env", "env must be an object of strings, got " + describe(v));
    return;
  }
  spec.env.clear();
  spec.env.reserve(v.size());
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& name = it.key();
    std::string pointer = s.pointer("env") + '/' + pointer_token(name);
    if (name.empty() || name.find('=') != std::string::npos) {
      p.at(pointer, JsonTarget::key, s.context(),
           "env name '" + name + "' is not a valid variable name");
    } else if (!it.value().is_string()) {
      p.at(pointer, JsonTarget::value, s.context(),
           "env '" + name + "' must be a string, got " + describe(it.value()));
    } else {
      spec.env.emplace_back(name, it.value().get<std::string>());
    }
  }
}

namespace {

// An integer key, within the range its row in the key table gives (which the
// schema states too).
std::optional<int> read_key_int(TaskKey key, const Json& v, const Scope& s, Problems& p) {
  const KeyDoc& doc = task_key_doc(key);
  return read_int(v, static_cast<int>(doc.min), static_cast<int>(doc.max), s, task_key_name(key), p);
}

// Reads one key that default_args may also set; a wrong value is reported and leaves
// the field as it was.
void read_setting(TaskKey key, const Json& v, const Scope& s, const LoadOptions& options, TaskSpec& spec,
                  FormSettings& form, Problems& p) {
  std::string_view name = task_key_name(key);
  bool ok = true;
  switch (key) {
    case TaskKey::params: spec.params = nlohmann::json(v); break;
    case TaskKey::env: read_env(v, s, spec, p); break;
    case TaskKey::retries:
      if (auto n = read_key_int(key, v, s, p)) spec.retries = *n;
      break;
    case TaskKey::retry_delay:
      if (auto d = read_duration(v, s, name, p)) spec.retry_delay = *d;
      break;
    case TaskKey::retry_exponential_backoff:
      if (auto b = read_bool(v, s, name, p)) spec.retry_exponential_backoff = *b;
      break;
    case TaskKey::max_retry_delay: {
      auto d = read_optional_duration(v, s, name, p, ok);
      if (ok) spec.max_retry_delay = d;
      break;
    }
    case TaskKey::execution_timeout: {
      auto d = read_optional_duration(v, s, name, p, ok);
      if (ok) spec.execution_timeout = d;
      break;
    }
    case TaskKey::cpu_limit: {
      auto d = read_optional_duration(v, s, name, p, ok);
      if (ok) form.cpu_limit = d;
      break;
    }
    case TaskKey::memory_limit:
      if (v.is_null()) form.memory_limit.reset();
      else if (auto n = read_byte_size(v, s, name, p)) form.memory_limit = *n;
      break;
    case TaskKey::trigger_rule: {
      auto text = read_string(v, s, name, p);
      if (!text) break;
      if (auto rule = parse_trigger_rule(*text)) {
        spec.trigger_rule = *rule;
        break;
      }
      Suggester sug(*text);
      for (std::string_view r : {"all_success", "all_failed", "all_done", "one_success",
                                 "one_failed", "none_failed", "none_skipped", "always"})
        sug.consider(r);
      p.at_value(s, name,
                 "unknown trigger_rule '" + *text + "'" + did_you_mean(sug.best()) +
                     "; expected one of " + std::string(trigger_rule_names()));
      break;
    }
    case TaskKey::queue: {
      auto text = read_string(v, s, name, p);
      if (!text) break;
      // A queue's name is matched by workers and shown in listings: an id's
      // rules and length keep it printable and bounded.
      if (auto problem = id_problem(IdKind::task, *text))
        p.at_value(s, name, "queue name " + quote_id(*text) + " is not valid: " + *problem);
      else
        spec.queue = *text;
      break;
    }
    case TaskKey::pool: {
      auto text = read_string(v, s, name, p);
      if (!text) break;
      if (auto problem = id_problem(IdKind::task, *text)) {
        p.at_value(s, name, "pool name " + quote_id(*text) + " is not valid: " + *problem);
      } else if (options.pools && !find_pool(*options.pools, *text)) {
        Suggester sug(*text);
        for (const PoolSpec& pool : *options.pools) sug.consider(pool.name);
        p.at_value(s, name,
                   "unknown pool " + quote_id(*text) + did_you_mean(sug.best()) +
                       "; pools are declared in the home's dagrun.json (docs/pools.md)");
      } else {
        spec.pool = *text;
      }
      break;
    }
    case TaskKey::pool_slots:
      if (auto n = read_key_int(key, v, s, p)) spec.pool_slots = *n;
      break;
    case TaskKey::priority_weight:
      if (auto n = read_key_int(key, v, s, p)) spec.priority_weight = *n;
      break;
    case TaskKey::on_failure:
    case TaskKey::on_retry:
    case TaskKey::on_success: {
      const auto event = static_cast<CallbackEvent>(static_cast<size_t>(key) - static_cast<size_t>(TaskKey::on_failure));
      auto list = read_callback_list(v, s, name, options, p, ok);
      if (ok) spec.callbacks.on[static_cast<size_t>(event)] = std::move(list);
      break;
    }
    case TaskKey::isolation: {
      auto text = read_string(v, s, name, p);
      if (!text) break;
      if (*text == "process") form.isolation = Isolation::process;
      else if (*text == "in_process") form.isolation = Isolation::in_process;
      else
        p.at_value(s, name, "unknown isolation '" + *text + "'; expected process or in_process");
      break;
    }
    default: break;  // identity, upstream and kind keys are read by read_task
  }
}

}  // namespace

void read_command(const Json& v, const Scope& s, std::vector<std::string>& argv, Problems& p) {
  if (v.is_string()) {
    p.at_value(s, "command",
               "command must be a list of arguments, not a string: use [\"echo\", \"hi\"] or "
               "[\"sh\", \"-c\", \"echo hi\"]");
    return;
  }
  if (v.is_array() && v.empty()) {
    p.at_value(s, "command", "command must not be empty");
    return;
  }
  if (!v.is_array()) {
    p.at_value(s, "command", "command must be a list of arguments, got " + describe(v));
    return;
  }
  if (auto list = read_string_list(v, s, "command", p)) argv = std::move(*list);
}

void read_plugin(const Json& v, const Scope& s, const LoadOptions& options, std::string& plugin,
                 Problems& p) {
  auto name = read_string(v, s, "plugin", p);
  if (!name) return;
  if (name->empty()) {
    p.at_value(s, "plugin", "plugin name must not be empty");
    return;
  }
  plugin = std::move(*name);
  const std::vector<std::string>* known = options.known_plugins;
  if (!known || std::find(known->begin(), known->end(), plugin) != known->end()) return;
  if (known->empty()) {
    p.at_value(s, "plugin", "unknown plugin '" + plugin + "'; no plugins are installed");
    return;
  }
  std::vector<std::string> sorted = *known;
  std::sort(sorted.begin(), sorted.end());
  std::string list;
  for (const std::string& k : sorted) list += (list.empty() ? "" : ", ") + k;
  p.at_value(s, "plugin",
             "unknown plugin '" + plugin + "'" + did_you_mean(closest_match(plugin, sorted)) +
                 "; known plugins: " + list);
}

namespace {

void read_upstream(const Json& v, const Scope& s, std::vector<std::string>& upstream, Problems& p) {
  if (v.is_string()) {
    p.at_value(s, "upstream",
               "upstream must be a list of task ids, not a string: use [\"" +
                   v.get<std::string>() + "\"]");
    return;
  }
  if (v.is_array() && v.size() > limits::kMaxUpstream) {
    p.at_value(s, "upstream",
               "upstream lists " + std::to_string(v.size()) + " tasks; at most " +
                   std::to_string(limits::kMaxUpstream) + " are allowed");
    return;
  }
  append_string_list(v, s, "upstream", p, upstream);
}

// A plugin's isolation, keeping its limits while it stays in a process.
void set_isolation(PluginTask& plugin, Isolation isolation, const FormSettings& limits) {
  if (isolation == Isolation::in_process) plugin.isolation = InProcessIsolation{};
  else if (!plugin.process()) plugin.isolation = ProcessIsolation{limits.memory_limit, limits.cpu_limit};
}

// The task's action, from its kind key and the settings it gives for some forms
// only: each lands where it has an effect and is dropped elsewhere.
TaskAction make_action(std::optional<TaskKey> kind_key, std::vector<std::string> argv,
                       std::string plugin, std::shared_ptr<const ContainerSpec> container,
                       const FormSettings& form) {
  if (kind_key == TaskKey::plugin) {
    PluginTask task{std::move(plugin), InProcessIsolation{}};
    set_isolation(task, form.isolation, form);
    return task;
  }
  if (kind_key == TaskKey::container) return ContainerTask{std::move(container)};
  return CommandTask{std::move(argv), form.cpu_limit};  // or no kind key: an error already
}

// Where a task keeps the settings some forms only have, or null where they have no effect.
std::optional<Duration>* cpu_limit_of(TaskSpec& t) {
  if (auto* c = std::get_if<CommandTask>(&t.action)) return &c->cpu_limit;
  if (auto* p = std::get_if<PluginTask>(&t.action))
    if (auto* limits = std::get_if<ProcessIsolation>(&p->isolation)) return &limits->cpu_limit;
  return nullptr;
}

std::optional<std::uint64_t>* memory_limit_of(TaskSpec& t) {
  if (auto* p = std::get_if<PluginTask>(&t.action))
    if (auto* limits = std::get_if<ProcessIsolation>(&p->isolation)) return &limits->memory_limit;
  return nullptr;
}

}  // namespace

TaskDefaults read_default_args(const Json& object, const LoadOptions& options, Problems& problems) {
  TaskDefaults defaults;
  const Scope scope{"/default_args", -1, {}};
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& name = it.key();
    auto key = parse_task_key(name);
    if (!key) {
      report_unknown_key(scope, name, true, problems);
    } else if (*key == TaskKey::task_id) {
      problems.at_key(scope, name, "'task_id' cannot be set in default_args: it names one task");
    } else if (*key == TaskKey::upstream) {
      problems.at_key(scope, name,
                      "'upstream' cannot be set in default_args: list upstream tasks on each task");
    } else if (*key == TaskKey::expand) {
      problems.at_key(scope, name, "'expand' cannot be set in default_args: it maps one task");
    } else if (*key == TaskKey::container) {
      defaults.keys.set(bit(*key));
      ContainerRead read = read_container(it.value(), scope, problems);
      defaults.container = std::move(read.spec);
      defaults.container_keys = read.keys;
    } else if (is_kind_key(*key)) {
      problems.at_key(scope, name,
                      "'" + name + "' cannot be set in default_args: each task names its own "
                                   "command, plugin or container");
    } else {
      defaults.keys.set(bit(*key));
      read_setting(*key, it.value(), scope, options, defaults.spec, defaults.form, problems);
    }
  }
  return defaults;
}

TaskRead read_task(const Json& object, int index, const LoadOptions& options,
                   Problems& problems, std::vector<std::string>& upstream_ids) {
  TaskRead out;
  TaskSpec& spec = out.spec;
  Scope scope{"/tasks", index, {}};

  auto id_it = object.find("task_id");
  if (id_it == object.end()) {
    problems.at_value(scope, {}, "missing required key 'task_id'");
  } else if (auto id = read_id(*id_it, scope, "task_id", problems)) {
    spec.task_id = std::move(*id);
    scope.task_id = spec.task_id;
    out.id_valid = true;
  }

  std::optional<TaskKey> kind_key;
  std::vector<std::string> argv;
  std::string plugin;
  std::shared_ptr<const ContainerSpec> container;
  FormSettings form;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& name = it.key();
    auto key = parse_task_key(name);
    if (!key) {
      report_unknown_key(scope, name, false, problems);
      continue;
    }
    out.keys.set(bit(*key));
    const Json& v = it.value();
    if (is_kind_key(*key)) {
      if (kind_key) {
        problems.at_key(scope, name,
                        "both '" + std::string(task_key_name(*kind_key)) + "' and '" + name +
                            "' given; a task has exactly one of command, plugin or container");
        continue;
      }
      kind_key = *key;
    }
    switch (*key) {
      case TaskKey::task_id: break;
      case TaskKey::upstream: read_upstream(v, scope, upstream_ids, problems); break;
      case TaskKey::expand: spec.expand = read_expand(v, scope, &out.expand_xcom, problems); break;
      case TaskKey::command: read_command(v, scope, argv, problems); break;
      case TaskKey::plugin: read_plugin(v, scope, options, plugin, problems); break;
      case TaskKey::container: {
        ContainerRead read = read_container(v, scope, problems);
        container = std::move(read.spec);
        out.container_keys = read.keys;
        break;
      }
      default: read_setting(*key, v, scope, options, spec, form, problems); break;
    }
  }
  spec.action = make_action(kind_key, std::move(argv), std::move(plugin), std::move(container), form);

  if (!kind_key)
    problems.at_value(scope, {}, "missing 'command', 'plugin' or 'container'; a task needs exactly one");
  return out;
}

void apply_defaults(const TaskDefaults& defaults, TaskRead& task) {
  TaskKeySet missing = defaults.keys & ~task.keys;
  if (missing.none()) return;
  const TaskSpec& d = defaults.spec;
  TaskSpec& t = task.spec;
  // Which keys have an effect on a plugin depends on its isolation.
  const size_t isolation = bit(TaskKey::isolation);
  if (missing[isolation] && has_effect(TaskKey::isolation, task_form(t)))
    set_isolation(std::get<PluginTask>(t.action), defaults.form.isolation, {});
  missing.reset(isolation);
  // A default with no effect on this task is meant for others (as Airflow gives a
  // default argument only to the operators that take it). The task has a field for
  // each one left.
  missing &= keys_with_effect(task_form(t));
  for (size_t k = 0; k < kTaskKeyCount; ++k) {
    if (!missing[k]) continue;
    switch (static_cast<TaskKey>(k)) {
      case TaskKey::params: t.params = d.params; break;
      case TaskKey::env: t.env = d.env; break;
      case TaskKey::retries: t.retries = d.retries; break;
      case TaskKey::retry_delay: t.retry_delay = d.retry_delay; break;
      case TaskKey::retry_exponential_backoff:
        t.retry_exponential_backoff = d.retry_exponential_backoff;
        break;
      case TaskKey::max_retry_delay: t.max_retry_delay = d.max_retry_delay; break;
      case TaskKey::execution_timeout: t.execution_timeout = d.execution_timeout; break;
      case TaskKey::cpu_limit:
        if (auto* limit = cpu_limit_of(t)) *limit = defaults.form.cpu_limit;
        break;
      case TaskKey::trigger_rule: t.trigger_rule = d.trigger_rule; break;
      case TaskKey::queue: t.queue = d.queue; break;
      case TaskKey::pool: t.pool = d.pool; break;
      case TaskKey::pool_slots: t.pool_slots = d.pool_slots; break;
      case TaskKey::priority_weight: t.priority_weight = d.priority_weight; break;
      case TaskKey::on_failure:
      case TaskKey::on_retry:
      case TaskKey::on_success: {
        const size_t event = k - bit(TaskKey::on_failure);
        t.callbacks.on[event] = d.callbacks.on[event];
        break;
      }
      case TaskKey::memory_limit:
        if (auto* limit = memory_limit_of(t)) *limit = defaults.form.memory_limit;
        break;
      default: break;  // container: complete_container; the rest cannot be defaults
    }
  }
}

void check_keys_have_effect(const TaskSpec& spec, TaskKeySet own_keys, TaskKeySet default_keys,
                            const Scope& scope, Problems& problems) {
  TaskKeySet kinds;
  for (TaskKey k : {TaskKey::command, TaskKey::plugin, TaskKey::container}) kinds.set(bit(k));
  if ((own_keys & kinds).count() != 1) return;
  const TaskForm form = task_form(spec);
  const TaskKeySet idle = own_keys & ~keys_with_effect(form);
  if (idle.none()) return;
  const bool inherited_isolation = spec.kind() == TaskKind::plugin && !own_keys[bit(TaskKey::isolation)] &&
                                   default_keys[bit(TaskKey::isolation)];
  for (size_t k = 0; k < kTaskKeyCount; ++k) {
    if (!idle[k]) continue;
    const auto key = static_cast<TaskKey>(k);
    std::string message = "'" + std::string(task_key_name(key)) + "' has no effect on " +
                          std::string(task_form_name(form));
    if (inherited_isolation) message += ", which default_args makes it";
    message += " (" + std::string(no_effect_hint(key, form)) + ")";
    problems.at_key(scope, task_key_name(key), std::move(message));
  }
}

}  // namespace dagrun
