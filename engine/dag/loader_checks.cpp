#include "dag/loader_checks.h"

#include <functional>

#include "dag/container_spec.h"
#include "dag/suggest.h"
#include "dag/template.h"
#include "sched/time_zone.h"

namespace dagrun {

// As in Airflow, the DAG's params are every task's params, and a task's own
// params win key by key. A task whose params are not an object keeps them.
void inherit_dag_params(Dag& dag) {
  if (!dag.params.is_object()) return;
  for (TaskSpec& t : dag.tasks) {
    if (t.params.is_null()) {
      t.params = dag.params;
    } else if (t.params.is_object()) {
      nlohmann::json merged = dag.params;
      merged.update(t.params);
      t.params = std::move(merged);
    }
  }
}

// Templates are checked where they are written; a task's params.KEY must be
// a key its (merged) params have.
void check_templates(const Dag& dag, const std::vector<char>& id_valid, Problems& problems) {
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    const TaskSpec& t = dag.tasks[i];
    const Scope scope{"/tasks", static_cast<int>(i), id_valid[i] ? std::string_view(t.task_id) : std::string_view()};
    auto check = [&](const std::string& text, const std::string& pointer) {
      if (!has_template(text)) return;
      for (const TemplateError& e : check_template(text, &t.params))
        problems.at(pointer, JsonTarget::value, scope.context(), e.message);
    };
    auto each = [&](const std::vector<std::string>& list, const std::string& pointer) {
      for (size_t k = 0; k < list.size(); ++k) check(list[k], pointer + "/" + std::to_string(k));
    };
    auto values = [&](const std::vector<std::pair<std::string, std::string>>& map, const std::string& pointer) {
      for (const auto& [key, value] : map) check(value, pointer + "/" + pointer_token(key));
    };
    std::function<void(const nlohmann::json&, const std::string&)> walk = [&](const nlohmann::json& j,
                                                                             const std::string& pointer) {
      if (j.is_string()) check(j.get_ref<const std::string&>(), pointer);
      else if (j.is_array())
        for (size_t k = 0; k < j.size(); ++k) walk(j[k], pointer + "/" + std::to_string(k));
      else if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it) walk(it.value(), pointer + "/" + pointer_token(it.key()));
    };
    each(t.command, scope.pointer("command"));
    walk(t.params, scope.pointer("params"));
    values(t.env, scope.pointer("env"));
    if (!t.container) continue;
    const ContainerSpec& c = *t.container;
    const std::string base = scope.pointer("container");
    check(c.image, base + "/image");
    each(c.command, base + "/command");
    each(c.entrypoint, base + "/entrypoint");
    values(c.environment, base + "/environment");
    check(c.user, base + "/user");
    check(c.working_dir, base + "/working_dir");
    for (size_t k = 0; k < c.mounts.size(); ++k)
      if (has_template(c.mounts[k].source))
        problems.at(base + "/mounts/" + std::to_string(k) + "/source", JsonTarget::value, scope.context(),
                     "mount sources cannot hold templates: the policy checks them when the DAG is validated");
  }
}

std::optional<std::string> read_timezone(const Json& v, const Scope& scope, std::string_view key, Problems& problems) {
  auto zone = read_string(v, scope, key, problems);
  if (!zone) return std::nullopt;
  try {
    TimeZone::load(*zone);
    return zone;
  } catch (const std::exception&) {
    problems.at_value(scope, key, "unknown time zone '" + *zone + "'" +
                                      did_you_mean(closest_match(*zone, zone_names_near(*zone))) +
                                      "; use an IANA name such as Asia/Seoul or UTC");
    return std::nullopt;
  }
}

}  // namespace dagrun
