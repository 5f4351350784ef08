#include "spec/trust_checks.h"

#include <optional>
#include <string>
#include <vector>

#include "model/ids.h"
#include "spec/json_locate.h"

namespace dagrun {

void check_dag_trust(const Dag& dag, std::string_view text, const TrustRules& rules, Problems& problems) {
  if (!rules.untrusted()) return;
  std::optional<JsonLocator> locator;  // only when something is refused
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    const TaskSpec& task = dag.tasks[i];
    std::vector<TrustViolation> violations = check_task_trust(task, dag.dag_id, rules);
    if (violations.empty()) continue;
    if (!locator) locator.emplace(text);
    const std::string base = "/tasks/" + std::to_string(i);
    const Scope scope{"/tasks", static_cast<int>(i),
                      is_valid_id(task.task_id) ? std::string_view(task.task_id) : std::string_view()};
    for (TrustViolation& v : violations) {
      // Where the setting is written: the task itself, default_args, the DAG's
      // params (for params.*), else the task as a whole.
      std::vector<std::string> places{base + v.field, "/default_args" + v.field};
      if (v.field.rfind("/params/", 0) == 0) places.push_back(v.field);
      std::string pointer = base;
      for (const std::string& p : places)
        if (locator->offset(p, JsonTarget::value)) {
          pointer = p;
          break;
        }
      problems.at(pointer, JsonTarget::value, scope.context(), std::move(v.message));
    }
  }
}

}  // namespace dagrun
