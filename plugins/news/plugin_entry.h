// What the four plugins share: reading the task's configuration, wiring the
// real network, clock and waiter, and turning every failure into a status.
#pragma once

#include <filesystem>
#include <optional>

#include <dagrun/plugin.h>

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

using StageFn = void (*)(const NewsConfig&, StageIo&);

// The dagrun home, against which relative env_file and NEWS_DATA_DIR are
// resolved: DAGRUN_HOME, which the engine puts in every try's environment.
// nullopt without it (a host other than dagrun).
std::optional<std::filesystem::path> dagrun_home(const dagrun_task_context& context);

// DAGRUN_PARAM_ROOT, which the engine sets only when it confines the DAG's
// params (untrusted mode): NEWS_DATA_DIR must lie inside it. nullopt without it.
std::optional<std::filesystem::path> param_root(const dagrun_task_context& context);

// The body of every stage plugin's run(). Never throws.
dagrun_status run_stage_plugin(const dagrun_task_context* context, const dagrun_host* host, const char* stage,
                               StageFn fn);

}  // namespace dagrun::news
