#include "cli/dag_lookup.h"

#include <iostream>

#include "cli/dag_folder.h"
#include "base/suggest.h"

namespace dagrun::cli {

const Dag* find_valid_dag(const Context& ctx, const std::vector<LoadResult>& results,
                          const std::string& dag_id) {
  std::vector<std::string> ids;
  for (const LoadResult& r : results) {
    if (r.dag && r.dag->dag_id == dag_id) return &*r.dag;
    if (r.dag) ids.push_back(r.dag->dag_id);
  }
  // An invalid file that defines this id explains itself; so does a file named for it.
  for (const LoadResult& r : results) {
    if (r.ok()) continue;
    if (r.dag_id == dag_id || std::filesystem::path(r.file).stem() == dag_id) {
      std::cerr << "dagrun: DAG '" << dag_id << "' is invalid:\n";
      print_diagnostics(std::cerr, r);
      return nullptr;
    }
  }
  std::cerr << "dagrun: no DAG '" << dag_id << "' in " << ctx.home.dags.string()
            << did_you_mean(closest_match(dag_id, ids)) << "\n";
  return nullptr;
}

}  // namespace dagrun::cli
