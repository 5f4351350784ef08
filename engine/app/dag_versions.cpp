#include "app/dag_versions.h"

#include <spdlog/spdlog.h>

#include "app/dag_folder.h"
#include "store/dag_version.h"

namespace dagrun::app {

std::shared_ptr<const Dag> DagVersions::get(const std::string& dag_id, const std::string& version,
                                            std::string* error) {
  std::lock_guard lock(mu_);
  auto it = loaded_.find({dag_id, version});
  if (it == loaded_.end()) {
    auto result = std::make_shared<LoadResult>();
    try {
      std::optional<DagVersionRecord> record = store_.get_dag_version(dag_id, version);
      if (!record) {
        *error = "the history has no version " + version.substr(0, 12) + " of DAG '" + dag_id + "'";
        return nullptr;  // not remembered: it may be written yet
      }
      if (record->source.find(kRedactedEnvValue) != std::string::npos) {
        // The history kept the text without its containers' environment
        // values (secrets): running it would pass the placeholder instead.
        *error = "DAG '" + dag_id + "' names container environment values, which the history does not keep "
                 "(they are secrets), so its recorded version cannot be run from the history: give them to the "
                 "container with env_file";
        return nullptr;
      }
      *result = load_dag_source(paths_, plugins_, record->source, dag_id + "@" + version.substr(0, 12));
    } catch (const std::exception& e) {
      *error = e.what();
      return nullptr;
    }
    it = loaded_.emplace(std::make_pair(dag_id, version), std::move(result)).first;
  }
  const std::shared_ptr<const LoadResult>& r = it->second;
  if (!r->ok()) {
    *error = "DAG '" + dag_id + "' version " + version.substr(0, 12) + " does not load here";
    if (!r->diagnostics.empty()) *error += ": " + r->diagnostics.front().to_string();
    return nullptr;
  }
  return std::shared_ptr<const Dag>(r, &*r->dag);  // shares the cached load's lifetime
}

std::shared_ptr<const Dag> dag_of_run(DagVersions& versions, std::shared_ptr<const Dag> current,
                                      const RunRecord& run) {
  if (run.dag_version.empty()) return current;
  const std::optional<DagVersionRecord> now = dag_version_of(*current, run.queued_at.value_or(TimePoint{}));
  if (now && now->version == run.dag_version) return current;
  std::string error;
  if (std::shared_ptr<const Dag> recorded = versions.get(run.dag_id, run.dag_version, &error)) {
    spdlog::info("run '{}' runs the version of '{}' it was created with ({}), not the file's current one", run.run_id,
                 run.dag_id, run.dag_version.substr(0, 12));
    return recorded;
  }
  spdlog::warn("run '{}' was created with version {} of '{}', which cannot run here ({}); it runs the file's "
               "current version {}",
               run.run_id, run.dag_version.substr(0, 12), run.dag_id, error,
               now ? now->version.substr(0, 12) : std::string("(none)"));
  return current;
}

}  // namespace dagrun::app
