// A task as one try sees it: its templated strings filled with the run's
// values. Only the strings a user writes for the task are rendered: command
// arguments, params (every string inside), env values, and the container's
// image, command, entrypoint, environment values, user and working_dir.
// Mount sources are not templated: the policy checks them when the DAG is
// validated, which a value known only at run time would escape.
#pragma once

#include "model/container_spec.h"
#include "model/model.h"
#include "spec/template.h"

namespace dagrun {

// True when some string render_task would render holds a template.
bool task_has_templates(const TaskSpec& task);

// The rendered copy. Throws std::runtime_error naming the hole when the run
// lacks a value (a conf.KEY it was not given).
TaskSpec render_task(const TaskSpec& task, const TemplateContext& ctx);

}  // namespace dagrun
