// A mapped task at run time (TaskSpec::expand): the list it is mapped over,
// and each instance as a task of its own. Shared by the run (RunExecution)
// and a worker, which rebuilds an instance from the run's DAG version.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace dagrun {

struct MapItems {
  std::vector<nlohmann::json> items;
  std::string error;  // why there is no list; then items is empty
};

// The run's XCom pull: the value's JSON, or nullopt when none was pushed.
using XComPull = std::function<std::optional<std::string>(const std::string& task_id, const std::string& key)>;

// The items of a mapped task: its list as written, or the XCom its expand
// names, which must be a JSON list of at most limits::kMaxMapLength items.
MapItems map_items(const Dag& dag, const TaskSpec& mapped, const XComPull& pull);

// Instance `index` of a mapped task: a copy named task_id[index], without
// upstream tasks or expand of its own (retries, pool, callbacks and the rest
// are the task's).
TaskSpec instance_spec(const TaskSpec& mapped, int index);

// One XCom of a run, as the run and a worker's snapshot of it hold them.
struct XComEntry {
  std::string_view task_id;
  std::string_view key;
  std::string_view value_json;
};

// What pulling a mapped task's XCom gives (Airflow's pull of a mapped task):
// one JSON list of the values its instances (task_id[0], task_id[1], ...)
// pushed under `key`, in index order; instances that pushed none are left
// out, so "[]" when none did (an empty expand list too).
std::string gather_mapped_xcom(std::string_view task_id, std::string_view key, const std::vector<XComEntry>& entries);

// The index in dag.tasks of the task `id` names: a task's own id, or a
// mapped task's instance (task_id[index]) for the mapped task; -1 for none.
// What the history names a try by, to the task whose settings it has.
int task_index(const Dag& dag, std::string_view id);

// What an instance's try gets on top of the task's env: DAGRUN_MAP_INDEX and
// DAGRUN_MAP_ITEM (a string item as it is, any other as JSON).
std::vector<std::pair<std::string, std::string>> map_env(int index, const nlohmann::json& item);

}  // namespace dagrun
