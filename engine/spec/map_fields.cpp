#include "spec/map_fields.h"

#include "model/ids.h"
#include "model/limits.h"
#include "model/xcom.h"

namespace dagrun {

std::shared_ptr<MapSource> read_expand(const Json& v, const Scope& s, std::string* xcom_task, Problems& p) {
  const std::string pointer = s.pointer("expand");
  if (v.is_array()) {
    if (v.size() > limits::kMaxMapLength) {
      p.at_value(s, "expand",
                 "expand lists " + std::to_string(v.size()) + " items; a mapped task has at most " +
                     std::to_string(limits::kMaxMapLength) + " instances");
      return nullptr;
    }
    auto source = std::make_shared<MapSource>();
    source->items = nlohmann::json(v);
    return source;
  }
  if (!v.is_object()) {
    p.at_value(s, "expand",
               "expand must be a list of items or {\"xcom\": TASK_ID}, got " + describe(v));
    return nullptr;
  }
  auto source = std::make_shared<MapSource>();
  source->from_xcom = true;
  bool ok = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& name = it.key();
    const std::string at = pointer + '/' + pointer_token(name);
    if (name == "xcom") {
      std::optional<std::string> why;
      if (!it.value().is_string()) why = "must be a task id, got " + describe(it.value());
      else why = id_problem(IdKind::task, it.value().get_ref<const std::string&>());
      if (why) {
        p.at(at, JsonTarget::value, s.context(), "expand.xcom " + *why);
        ok = false;
      } else {
        *xcom_task = it.value().get<std::string>();
      }
    } else if (name == "key") {
      if (!it.value().is_string()) {
        p.at(at, JsonTarget::value, s.context(), "expand.key must be a string, got " + describe(it.value()));
        ok = false;
      } else if (std::string problem = xcom_problem(it.value().get<std::string>(), "null"); !problem.empty()) {
        p.at(at, JsonTarget::value, s.context(), "expand.key: " + problem);
        ok = false;
      } else {
        source->xcom_key = it.value().get<std::string>();
      }
    } else {
      p.at(at, JsonTarget::key, s.context(),
           "unknown key '" + name + "' in expand; it takes xcom (an upstream task's id) and key");
      ok = false;
    }
  }
  if (ok && xcom_task->empty()) {
    p.at_value(s, "expand", "expand needs \"xcom\": the id of the upstream task whose XCom is the list");
    ok = false;
  }
  return ok ? source : nullptr;
}

}  // namespace dagrun
