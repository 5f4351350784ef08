#include "spec/loader_checks.h"

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "model/container_spec.h"
#include "base/suggest.h"
#include "spec/template.h"
#include "model/time_zone.h"

namespace dagrun {

void check_pool_slots(const Dag& dag, const std::vector<PoolSpec>& pools, const std::vector<char>& id_valid,
                      Problems& problems) {
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    const TaskSpec& t = dag.tasks[i];
    const PoolSpec* pool = t.pool.empty() ? nullptr : find_pool(pools, t.pool);
    if (!pool || pool->slots == 0 || t.pool_slots <= pool->slots) continue;
    const Scope scope{"/tasks", static_cast<int>(i), id_valid[i] ? std::string_view(t.task_id) : std::string_view()};
    // Where the file gives the number (or the pool), in the task or in default_args.
    std::string pointer = scope.pointer();
    for (const std::string& p : {scope.pointer("pool_slots"), std::string("/default_args/pool_slots"),
                                 scope.pointer("pool"), std::string("/default_args/pool")})
      if (problems.line_of(p, JsonTarget::value) > 0) {
        pointer = p;
        break;
      }
    problems.at(pointer, JsonTarget::value, scope.context(),
                "pool_slots " + std::to_string(t.pool_slots) + " is more than pool '" + pool->name + "' has (" +
                    std::to_string(pool->slots) + "): its tries could never start");
  }
}

// As in Airflow, the DAG's params are every task's params, and a task's own
// params win key by key. A task whose params are not an object keeps them.
void inherit_dag_params(Dag& dag) {
  if (!dag.params->is_object()) return;
  for (TaskSpec& t : dag.tasks) {
    if (t.params->is_null()) {
      t.params = dag.params;
    } else if (t.params->is_object()) {
      nlohmann::json merged = *dag.params;
      merged.update(*t.params);
      t.params = std::move(merged);
    }
  }
}

namespace {

// Walks a task's params with one pointer buffer, extended and cut back per level,
// so deep or wide params cost their size, not size times depth. The depth is
// bounded by the parser (limits::kMaxDepth).
template <typename Check>
void walk_params(const nlohmann::json& j, std::string& pointer, const Check& check) {
  const size_t mark = pointer.size();
  if (j.is_string()) {
    check(j.get_ref<const std::string&>(), pointer);
  } else if (j.is_array()) {
    for (size_t k = 0; k < j.size(); ++k) {
      if (j[k].is_primitive() && !j[k].is_string()) continue;
      pointer += '/';
      pointer += std::to_string(k);
      walk_params(j[k], pointer, check);
      pointer.resize(mark);
    }
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it->is_primitive() && !it->is_string()) continue;
      pointer += '/';
      pointer += pointer_token(it.key());
      walk_params(it.value(), pointer, check);
      pointer.resize(mark);
    }
  }
}

}  // namespace

// Templates are checked where they are written; a task's params.KEY must be
// a key its (merged) params have. Pointers are built only for strings that hold
// a template, so a DAG without templates costs one search per string.
void check_templates(const Dag& dag, const std::vector<char>& id_valid, Problems& problems) {
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    const TaskSpec& t = dag.tasks[i];
    const Scope scope{"/tasks", static_cast<int>(i), id_valid[i] ? std::string_view(t.task_id) : std::string_view()};
    auto check = [&](const std::string& text, const std::string& pointer) {
      for (const TemplateError& e : check_template(text, &*t.params, t.expand != nullptr))
        problems.at(pointer, JsonTarget::value, scope.context(), e.message);
    };
    // sub: "" for a task key, "/image" and so on below "container".
    auto at = [&](const char* key, const char* sub) { return scope.pointer(key) + sub; };
    auto one = [&](const std::string& text, const char* sub) {
      if (has_template(text)) check(text, at("container", sub));
    };
    auto each = [&](const std::vector<std::string>& list, const char* key, const char* sub) {
      for (size_t k = 0; k < list.size(); ++k)
        if (has_template(list[k])) check(list[k], at(key, sub) + "/" + std::to_string(k));
    };
    auto values = [&](const std::vector<std::pair<std::string, std::string>>& map, const char* key,
                      const char* sub) {
      for (const auto& [name, value] : map)
        if (has_template(value)) check(value, at(key, sub) + "/" + pointer_token(name));
    };
    if (const CommandTask* command = t.command()) each(command->argv, "command", "");
    if (t.params->is_structured()) {
      std::string pointer = scope.pointer("params");
      walk_params(*t.params, pointer, [&](const std::string& text, const std::string& where) {
        if (has_template(text)) check(text, where);
      });
    }
    values(t.env, "env", "");
    const ContainerTask* container = t.container();
    if (!container || !container->spec) continue;
    const ContainerSpec& c = *container->spec;
    one(c.image, "/image");
    each(c.command, "container", "/command");
    each(c.entrypoint, "container", "/entrypoint");
    values(c.environment, "container", "/environment");
    one(c.user, "/user");
    one(c.working_dir, "/working_dir");
    for (size_t k = 0; k < c.mounts.size(); ++k)
      if (has_template(c.mounts[k].source))
        problems.at(scope.pointer("container") + "/mounts/" + std::to_string(k) + "/source",
                    JsonTarget::value, scope.context(),
                    "mount sources cannot hold templates: the policy checks them when the DAG is validated");
  }
}

std::optional<TimeZone> read_timezone(const Json& v, const Scope& scope, std::string_view key, Problems& problems) {
  auto zone = read_string(v, scope, key, problems);
  if (!zone) return std::nullopt;
  try {
    return TimeZone::load(*zone);
  } catch (const std::exception&) {
    problems.at_value(scope, key, "unknown time zone '" + *zone + "'" +
                                      did_you_mean(closest_match(*zone, zone_names_near(*zone))) +
                                      "; use an IANA name such as Asia/Seoul or UTC");
    return std::nullopt;
  }
}

}  // namespace dagrun
