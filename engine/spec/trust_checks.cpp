#include "spec/trust_checks.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/ids.h"
#include "spec/json_locate.h"

namespace dagrun {

namespace {

// Every refused setting of a callback list's actions, each field a pointer
// below the list's key ("/0/command"). A command or a plugin is judged as a
// task of that kind; a webhook is refused: the engine would POST to any
// address the author names, inside the operator's network.
std::vector<TrustViolation> check_callbacks_trust(const CallbackList& list, std::string_view dag_id,
                                                  const TrustRules& rules) {
  std::vector<TrustViolation> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string base = "/" + std::to_string(i);
    if (!list[i].task) {
      out.push_back({base + "/webhook",
                     "webhook callbacks are refused: the engine would POST to any address the DAG names; "
                     "use a plugin callback the operator installed"});
      continue;
    }
    for (TrustViolation& v : check_task_trust(*list[i].task, dag_id, rules))
      out.push_back({base + v.field, std::move(v.message)});
  }
  return out;
}

}  // namespace

void check_dag_trust(const Dag& dag, std::string_view text, const TrustRules& rules, Problems& problems) {
  if (!rules.untrusted()) return;
  std::optional<JsonLocator> locator;  // only when something is refused
  // A callback list default_args gives every task is judged once.
  std::set<const CallbackList*> judged;
  auto report_callbacks = [&](const Callbacks& callbacks, const std::string& base, const Scope& scope) {
    for (size_t e = 0; e < kCallbackEventCount; ++e) {
      const CallbackList* list = callbacks.on[e].get();
      if (!list || !judged.insert(list).second) continue;
      const std::string key = "/" + std::string(callback_key(static_cast<CallbackEvent>(e)));
      for (TrustViolation& v : check_callbacks_trust(*list, dag.dag_id, rules)) {
        if (!locator) locator.emplace(text);
        // Written as a list, an object (without the index), in the task or in default_args.
        const std::string unindexed = v.field.substr(v.field.find('/', 1));
        std::string pointer = base;
        for (const std::string& p : {base + key + v.field, base + key + unindexed, "/default_args" + key + v.field,
                                     "/default_args" + key + unindexed})
          if (locator->offset(p, JsonTarget::value)) {
            pointer = p;
            break;
          }
        problems.at(pointer, JsonTarget::value, scope.context(), std::move(v.message));
      }
    }
  };
  report_callbacks(dag.callbacks, "", Scope{"", -1, {}});
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    const TaskSpec& task = dag.tasks[i];
    const std::string base = "/tasks/" + std::to_string(i);
    const Scope scope{"/tasks", static_cast<int>(i),
                      is_valid_id(task.task_id) ? std::string_view(task.task_id) : std::string_view()};
    report_callbacks(task.callbacks, base, scope);
    std::vector<TrustViolation> violations = check_task_trust(task, dag.dag_id, rules);
    if (violations.empty()) continue;
    if (!locator) locator.emplace(text);
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
