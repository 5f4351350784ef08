// Whom the engine trusts to write DAGs (the dag_authors key of HOME/dagrun.json)
// and the rules that follow for a task when DAG authors are not trusted.
//
// In "trusted" mode (the default) every task kind runs, and command tasks and
// plugins run as the engine's user: a DAG author can do whatever that user can.
// In "untrusted" mode a DAG author controls only the DAG files, so every way a
// DAG file could run code of its author's choosing as the engine's user is
// refused: command tasks, in_process plugins, plugins found outside the trusted
// plugin directories, loader and dagrun variables in a plugin task's env, and
// data_dir / env_file params outside the places a DAG may use. The loader
// applies the rules when a DAG is validated (spec/trust_checks), and the executors apply them again
// to the rendered task just before a try runs (see docs/security.md).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace dagrun {

enum class DagAuthors { trusted, untrusted };

std::string_view to_string(DagAuthors a);
std::optional<DagAuthors> parse_dag_authors(std::string_view text);

// The operator's decisions, as read from HOME/dagrun.json.
struct TrustPolicy {
  DagAuthors dag_authors = DagAuthors::trusted;
  // trusted_plugin_dirs: resolved, in the order written. Searched for plugins
  // before the installed directory, in both modes.
  std::vector<std::filesystem::path> plugin_dirs;
};

// What the rules need to judge a task: the policy, every trusted plugin
// directory (the operator's and the installed one), and the file the engine
// would load for each plugin name.
struct TrustRules {
  DagAuthors dag_authors = DagAuthors::trusted;
  std::vector<std::filesystem::path> trusted_plugin_dirs;
  std::map<std::string, std::filesystem::path, std::less<>> plugin_files;
  std::filesystem::path home;  // relative data_dir and env_file params resolve against it

  bool untrusted() const { return dag_authors == DagAuthors::untrusted; }
};

// The rules for a policy: its directories, then the installed plugin directory.
TrustRules make_trust_rules(const TrustPolicy& policy, const std::filesystem::path& installed_plugin_dir,
                            const std::filesystem::path& home);

// One refused setting of a task. field is a JSON pointer below the task
// ("/command", "/env/LD_PRELOAD", "/params/data_dir").
struct TrustViolation {
  std::string field;
  std::string message;
};

// The DAG's own data directory, HOME/data/<dag_id>, where its data_dir param
// must lie; nullopt for an id that names no directory of its own ("", ".", "..").
std::optional<std::filesystem::path> dag_data_root(std::string_view dag_id, const TrustRules& rules);

// The variable through which, in untrusted mode, the engine tells a plugin try
// the directory every path it takes from its params must stay inside (the
// DAG's data directory): the engine checks only data_dir and env_file, and a
// plugin that reads other paths from its params confines them to this.
inline constexpr std::string_view kParamRootEnv = "DAGRUN_PARAM_ROOT";

// Every refused setting of one task; always empty in trusted mode.
std::vector<TrustViolation> check_task_trust(const TaskSpec& task, std::string_view dag_id, const TrustRules& rules);

// Environment names a DAG may not give a process that runs as the engine's
// user: the dynamic loader's (LD_*), glibc's other code- and file-loading
// variables, and dagrun's own (DAGRUN_*), which tell a plugin where its data is.
bool is_refused_env_name(std::string_view name);

}  // namespace dagrun
