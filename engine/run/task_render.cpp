#include "run/task_render.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace dagrun {
namespace {

bool any(const std::vector<std::string>& v) {
  for (const auto& s : v)
    if (has_template(s)) return true;
  return false;
}

bool any_value(const std::vector<std::pair<std::string, std::string>>& v) {
  for (const auto& [k, s] : v)
    if (has_template(s)) return true;
  return false;
}

bool json_has_template(const nlohmann::json& j) {
  if (j.is_string()) return has_template(j.get_ref<const std::string&>());
  if (j.is_array() || j.is_object())
    for (const auto& item : j)
      if (json_has_template(item)) return true;
  return false;
}

void render_all(std::vector<std::string>& v, const TemplateContext& ctx) {
  for (auto& s : v) s = render_template(s, ctx);
}

void render_values(std::vector<std::pair<std::string, std::string>>& v, const TemplateContext& ctx) {
  for (auto& [k, s] : v) s = render_template(s, ctx);
}

bool container_has_templates(const ContainerSpec& c) {
  if (has_template(c.image) || any(c.command) || any(c.entrypoint) || any_value(c.environment) ||
      has_template(c.user) || has_template(c.working_dir))
    return true;
  return false;
}

}  // namespace

bool task_has_templates(const TaskSpec& task) {
  const CommandTask* command = task.command();
  const ContainerTask* container = task.container();
  return (command && any(command->argv)) || json_has_template(*task.params) || any_value(task.env) ||
         (container && container->spec && container_has_templates(*container->spec));
}

TaskSpec render_task(const TaskSpec& task, const TemplateContext& ctx) {
  TaskSpec out = task;
  if (auto* command = std::get_if<CommandTask>(&out.action)) render_all(command->argv, ctx);
  out.params = render_json(*task.params, ctx);
  render_values(out.env, ctx);
  auto* container = std::get_if<ContainerTask>(&out.action);
  if (container && container->spec && container_has_templates(*container->spec)) {
    auto c = std::make_shared<ContainerSpec>(*container->spec);
    c->image = render_template(c->image, ctx);
    render_all(c->command, ctx);
    render_all(c->entrypoint, ctx);
    render_values(c->environment, ctx);
    c->user = render_template(c->user, ctx);
    c->working_dir = render_template(c->working_dir, ctx);
    container->spec = std::move(c);
  }
  return out;
}

}  // namespace dagrun
