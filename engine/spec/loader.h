// Loading and validating one DAG file: every problem in the file is reported at once.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.h"
#include "model/dag_source.h"
#include "model/model.h"
#include "model/pools.h"

namespace dagrun {

struct ContainerPolicy;
struct TrustRules;

struct LoadOptions {
  // Plugin names a task may use; nullptr skips the check.
  const std::vector<std::string>* known_plugins = nullptr;
  // What container tasks may ask of the Docker daemon; nullptr: the built-in defaults.
  const ContainerPolicy* policy = nullptr;
  // The dagrun home, against which relative bind-mount sources resolve; empty:
  // the current directory.
  std::filesystem::path home = {};
  // Whom the operator trusts to write DAGs (policy/trust_policy.h); nullptr: trusted.
  const TrustRules* trust = nullptr;
  // The pools a task may name (the configuration's); nullptr skips the check.
  const std::vector<PoolSpec>* pools = nullptr;
};

struct LoadResult {
  std::optional<Dag> dag;  // empty when there is any diagnostic
  Diagnostics diagnostics;
  std::string file;
  std::string dag_id;  // as read from the file, even when the DAG has other errors

  bool ok() const { return dag.has_value() && diagnostics.empty(); }
};

// file_label names the text in diagnostics and becomes Dag::file. The Dag
// keeps a copy of the text as its source (Dag::source).
LoadResult load_dag_text(std::string_view text, const std::string& file_label,
                         const LoadOptions& options);

// As load_dag_text, for a text read from a file: the Dag keeps `source`
// itself, not a copy.
LoadResult load_dag_source(std::shared_ptr<const DagSource> source, const std::string& file_label,
                           const LoadOptions& options);

// A file that cannot be read gives one diagnostic. The Dag's source is the
// text read, moved, not copied.
LoadResult load_dag_file(const std::filesystem::path& path, const LoadOptions& options);

// The whole file, or nullopt with a reason in error ("no such file or directory").
std::optional<std::string> read_text_file(const std::filesystem::path& path, std::string* error);

}  // namespace dagrun
