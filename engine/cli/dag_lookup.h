// Finding one DAG by id among the loaded files, with the errors a user needs
// when it is missing or invalid.
#pragma once

#include <string>
#include <vector>

#include "cli/context.h"
#include "spec/loader.h"

namespace dagrun::cli {

// The valid DAG with this id, or nullptr after printing why to stderr: its
// file's errors when it is invalid, a suggestion when the id is unknown.
const Dag* find_valid_dag(const Context& ctx, const std::vector<LoadResult>& results,
                          const std::string& dag_id);

}  // namespace dagrun::cli
