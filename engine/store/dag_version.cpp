#include "store/dag_version.h"

#include <nlohmann/json.hpp>

#include "model/dag_source.h"

namespace dagrun {
namespace {

// Replaces the values of a container's `environment` in one task-like object
// (a task, or default_args).
bool redact_container_environment(nlohmann::json& holder) {
  if (!holder.is_object()) return false;
  auto container = holder.find("container");
  if (container == holder.end() || !container->is_object()) return false;
  auto environment = container->find("environment");
  if (environment == container->end() || !environment->is_object() || environment->empty()) return false;
  for (auto& [name, value] : environment->items()) value = std::string(kRedactedEnvValue);
  return true;
}

}  // namespace

std::string history_text_of(const std::string& text) {
  // The loader has accepted the text, so it is JSON; anything else is kept
  // as it is rather than lost.
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return text;
  bool changed = false;
  if (auto d = doc.find("default_args"); d != doc.end()) changed |= redact_container_environment(*d);
  if (auto tasks = doc.find("tasks"); tasks != doc.end() && tasks->is_array())
    for (auto& task : *tasks) changed |= redact_container_environment(task);
  if (!changed) return text;
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<DagVersionRecord> dag_version_of(const Dag& dag, TimePoint now) {
  if (!dag.source) return std::nullopt;
  return DagVersionRecord{dag.dag_id, dag.source->version(), history_text_of(dag.source->text()), dag.file, now};
}

}  // namespace dagrun
