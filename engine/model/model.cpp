#include "model/model.h"

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
