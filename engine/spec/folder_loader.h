// Loading every DAG file of a folder.
#pragma once

#include <filesystem>
#include <vector>

#include "spec/loader.h"

namespace dagrun {

// Every *.json directly in dir (not in subfolders), sorted by file name; one bad file
// never stops the others. A dag_id already used by an earlier file (one that got at
// least as far as a valid dag_id) is an error on the later file, which then yields no
// Dag. A folder that cannot be listed gives one result with one diagnostic.
std::vector<LoadResult> load_dag_folder(const std::filesystem::path& dir,
                                        const LoadOptions& options);

}  // namespace dagrun
