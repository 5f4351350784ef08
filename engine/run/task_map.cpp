#include "run/task_map.h"

#include <algorithm>

#include "model/ids.h"
#include "model/limits.h"

namespace dagrun {

MapItems map_items(const Dag& dag, const TaskSpec& mapped, const XComPull& pull) {
  MapItems out;
  const MapSource& source = *mapped.expand;
  if (!source.from_xcom) {
    out.items.assign(source.items->begin(), source.items->end());
    return out;
  }
  const std::string& from = dag.tasks[source.xcom_task].task_id;
  const std::string what = "expand: the XCom '" + source.xcom_key + "' of task '" + from + "'";
  std::optional<std::string> value = pull(from, source.xcom_key);
  if (!value) {
    out.error = what + " was never pushed, so there is no list to map over";
    return out;
  }
  nlohmann::json list = nlohmann::json::parse(*value, nullptr, false);
  if (!list.is_array()) {
    const std::string type = list.type_name();
    out.error = what + " is " + (list.is_discarded() ? "not JSON" : (list.is_object() ? "an " : "a ") + type) +
                ", not a list";
    return out;
  }
  if (list.size() > limits::kMaxMapLength) {
    out.error = what + " has " + std::to_string(list.size()) + " items; a mapped task has at most " +
                std::to_string(limits::kMaxMapLength) + " instances";
    return out;
  }
  out.items.reserve(list.size());
  for (auto& item : list) out.items.push_back(std::move(item));
  return out;
}

int task_index(const Dag& dag, std::string_view id) {
  const int own = dag.index_of(id);
  if (own >= 0) return own;
  const auto mapped = parse_mapped_task_id(id);
  if (!mapped) return -1;
  const int i = dag.index_of(mapped->task_id);
  return i >= 0 && dag.tasks[static_cast<size_t>(i)].expand ? i : -1;
}

TaskSpec instance_spec(const TaskSpec& mapped, int index) {
  TaskSpec spec = mapped;
  spec.task_id = mapped_task_id(mapped.task_id, index);
  spec.upstream.clear();
  spec.expand = nullptr;
  return spec;
}

std::vector<std::pair<std::string, std::string>> map_env(int index, const nlohmann::json& item) {
  // A string holding NUL cannot be an environment value: it goes as JSON.
  const bool as_is = item.is_string() && item.get_ref<const std::string&>().find('\0') == std::string::npos;
  return {{"DAGRUN_MAP_INDEX", std::to_string(index)}, {"DAGRUN_MAP_ITEM", as_is ? item.get<std::string>() : item.dump()}};
}

std::string gather_mapped_xcom(std::string_view task_id, std::string_view key, const std::vector<XComEntry>& entries) {
  std::vector<std::pair<int, std::string_view>> values;
  for (const XComEntry& e : entries) {
    if (e.key != key) continue;
    auto mapped = parse_mapped_task_id(e.task_id);
    if (mapped && mapped->task_id == task_id) values.emplace_back(mapped->index, e.value_json);
  }
  std::sort(values.begin(), values.end());
  std::string out = "[";
  for (const auto& [index, value] : values) {
    if (out.size() > 1) out += ',';
    out += value;
  }
  return out + ']';
}

}  // namespace dagrun
