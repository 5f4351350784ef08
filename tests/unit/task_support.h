// Tasks and DAGs built in code, as the loader would build them from a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/model.h"

namespace dagrun::testing {

// A task's action, made of that kind if it was of another (with nothing set),
// to be filled in where a test used to set the task's fields.
inline CommandTask& as_command(TaskSpec& t) {
  if (auto* c = std::get_if<CommandTask>(&t.action)) return *c;
  return t.action.emplace<CommandTask>();
}

inline PluginTask& as_plugin(TaskSpec& t) {
  if (auto* p = std::get_if<PluginTask>(&t.action)) return *p;
  return t.action.emplace<PluginTask>();
}

inline ContainerTask& as_container(TaskSpec& t) {
  if (auto* c = std::get_if<ContainerTask>(&t.action)) return *c;
  return t.action.emplace<ContainerTask>();
}

// A plugin task in its own process, and the limits it has there.
inline ProcessIsolation& process_limits(TaskSpec& t) {
  PluginTask& p = as_plugin(t);
  if (auto* limits = std::get_if<ProcessIsolation>(&p.isolation)) return *limits;
  return p.isolation.emplace<ProcessIsolation>();
}

// A plugin task running inside the engine.
inline void set_in_process(TaskSpec& t) { as_plugin(t).isolation = InProcessIsolation{}; }

// What a task holds, whatever its kind, for checks: empty (or process, the
// default isolation) where its kind holds no such thing.
inline std::vector<std::string> argv_of(const TaskSpec& t) {
  const CommandTask* c = t.command();
  return c ? c->argv : std::vector<std::string>{};
}

inline std::string plugin_of(const TaskSpec& t) {
  const PluginTask* p = t.plugin();
  return p ? p->name : std::string();
}

inline Isolation isolation_of(const TaskSpec& t) {
  return t.in_process() ? Isolation::in_process : Isolation::process;
}

inline const ContainerSpec* container_of(const TaskSpec& t) {
  const ContainerTask* c = t.container();
  return c ? c->spec.get() : nullptr;
}

inline std::optional<Duration> cpu_limit_of(const TaskSpec& t) {
  if (const CommandTask* c = t.command()) return c->cpu_limit;
  if (const PluginTask* p = t.plugin())
    if (const ProcessIsolation* limits = p->process()) return limits->cpu_limit;
  return std::nullopt;
}

inline std::optional<std::uint64_t> memory_limit_of(const TaskSpec& t) {
  if (const PluginTask* p = t.plugin())
    if (const ProcessIsolation* limits = p->process()) return limits->memory_limit;
  return std::nullopt;
}

// A task as a test writes it: the task, and its upstream tasks by id.
struct TaskDraft {
  TaskSpec spec;
  std::vector<std::string> upstream;
};

// Resolves upstream[i], the ids dag.tasks[i] depends on, to indices as the
// loader does, and rebuilds the DAG's index. An id that names no task becomes
// an index past the last task (which DagGraph refuses).
inline void link_upstream(Dag& dag, const std::vector<std::vector<std::string>>& upstream) {
  dag.rebuild_index();
  for (size_t i = 0; i < upstream.size() && i < dag.tasks.size(); ++i) {
    std::vector<std::uint32_t>& up = dag.tasks[i].upstream;
    up.clear();
    for (const std::string& id : upstream[i]) {
      const int j = dag.index_of(id);
      up.push_back(static_cast<std::uint32_t>(j < 0 ? dag.tasks.size() : static_cast<size_t>(j)));
    }
  }
}

inline Dag dag_of(std::vector<TaskDraft> drafts, std::string dag_id = "test") {
  Dag dag;
  dag.dag_id = std::move(dag_id);
  std::vector<std::vector<std::string>> upstream;
  for (TaskDraft& d : drafts) {
    dag.tasks.push_back(std::move(d.spec));
    upstream.push_back(std::move(d.upstream));
  }
  link_upstream(dag, upstream);
  return dag;
}

}  // namespace dagrun::testing
