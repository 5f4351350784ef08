#include "app/local_xcoms.h"

#include <algorithm>

#include "model/xcom.h"
#include "run/task_map.h"

namespace dagrun::app {

void LocalXComs::give(const std::string& task_id, const std::string& key, const std::string& value_json) {
  std::lock_guard lock(mu_);
  values_[{task_id, key}] = value_json;
}

std::optional<std::string> LocalXComs::xcom_pull(const std::string& task_id, const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = values_.find({task_id, key}); it != values_.end()) return it->second;
  const int i = dag_.index_of(task_id);
  if (i < 0 || !dag_.tasks[static_cast<size_t>(i)].expand) return std::nullopt;
  std::vector<XComEntry> entries;
  entries.reserve(values_.size());
  for (const auto& [k, value] : values_) entries.push_back({k.first, k.second, value});
  return gather_mapped_xcom(task_id, key, entries);
}

std::string LocalXComs::xcom_push(const std::string& key, const std::string& value_json) {
  if (std::string problem = xcom_problem(key, value_json); !problem.empty()) return problem;
  std::lock_guard lock(mu_);
  values_[{task_id_, key}] = value_json;
  std::erase_if(pushed_, [&](const auto& p) { return p.first == key; });
  pushed_.emplace_back(key, value_json);
  return {};
}

std::vector<std::pair<std::string, std::string>> LocalXComs::pushed() {
  std::lock_guard lock(mu_);
  return pushed_;
}

}  // namespace dagrun::app
