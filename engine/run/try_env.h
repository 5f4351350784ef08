// The DAGRUN_* variables every try's process gets (docs/dag-format.md, "What
// every try sees"), in one place for each maker of a try: a run, a worker, a
// callback, and `dagrun test`. Each adds its own after these (a worker's id,
// a callback's event, a mapped instance's item), then the task's env.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dagrun {

std::vector<std::pair<std::string, std::string>> try_context_env(const std::filesystem::path& home,
                                                                 std::string_view dag_id, std::string_view run_id,
                                                                 std::string_view task_id, int try_number);

}  // namespace dagrun
