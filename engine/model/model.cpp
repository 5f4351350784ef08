#include "model/model.h"

#include <type_traits>

namespace dagrun {

std::string_view to_string(TaskKind k) {
  switch (k) {
    case TaskKind::command: return "command";
    case TaskKind::plugin: return "plugin";
    case TaskKind::container: return "container";
  }
  return "?";
}

std::string_view to_string(Isolation i) {
  return i == Isolation::process ? "process" : "in_process";
}

static_assert(std::variant_size_v<TaskAction> == 3 &&
                  std::is_same_v<std::variant_alternative_t<static_cast<size_t>(TaskKind::plugin), TaskAction>,
                                 PluginTask> &&
                  std::is_same_v<std::variant_alternative_t<static_cast<size_t>(TaskKind::container), TaskAction>,
                                 ContainerTask>,
              "TaskKind names TaskSpec::action's alternatives in their order");
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<size_t>(Isolation::in_process),
                                                        decltype(PluginTask::isolation)>,
                             InProcessIsolation>,
              "Isolation names PluginTask::isolation's alternatives in their order");

std::vector<std::string> Dag::upstream_ids(const TaskSpec& task) const {
  std::vector<std::string> ids;
  ids.reserve(task.upstream.size());
  for (std::uint32_t u : task.upstream) ids.push_back(tasks.at(u).task_id);
  return ids;
}

int Dag::index_of(std::string_view task_id) const {
  auto it = index_.find(std::string(task_id));
  return it == index_.end() ? -1 : it->second;
}

void Dag::rebuild_index() {
  index_.clear();
  index_.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) index_.emplace(tasks[i].task_id, static_cast<int>(i));
}

}  // namespace dagrun
