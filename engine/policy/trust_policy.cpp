#include "policy/trust_policy.h"

#include <algorithm>
#include <array>
#include <system_error>

#include <nlohmann/json.hpp>

#include "model/json_pointer.h"
#include "policy/mount_context.h"
#include "policy/mount_paths.h"

namespace dagrun {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kWhy = "dag_authors is \"untrusted\" in HOME/dagrun.json";

// glibc ignores these in set-user-id programs because they make a process load
// code or read files of the caller's choosing (glibc's unsecvars.h);
// PATH and HOME steer what a plugin runs and which configuration it reads.
constexpr std::array<std::string_view, 16> kRefusedNames{
    "GCONV_PATH",   "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES",      "LOCALDOMAIN", "LOCPATH",
    "MALLOC_TRACE", "NIS_PATH",    "NLSPATH",        "RESOLV_HOST_CONF", "RES_OPTIONS", "TMPDIR",
    "TZDIR",        "PATH",        "HOME",           "PYTHONPATH"};
constexpr std::array<std::string_view, 3> kRefusedPrefixes{"LD_", "DAGRUN_", "MALLOC_"};

fs::path canonical_or_lexical(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

std::string join(const std::vector<fs::path>& dirs) {
  std::string out;
  for (const fs::path& d : dirs) out += (out.empty() ? "" : ":") + d.string();
  return out.empty() ? "none" : out;
}

// The place a path param may name, or a message saying why it is refused.
std::optional<std::string> path_param_problem(const std::string& key, const std::string& value, const fs::path& root,
                                              const std::string& root_label, const TrustRules& rules) {
  std::string why;
  auto resolved = resolve_host_path(value, rules.home, &why);
  if (!resolved) return "params." + key + " '" + value + "' cannot be checked: " + why;
  const fs::path lexical = lexical_host_path(value, rules.home);
  std::string why_root;
  auto resolved_root = resolve_host_path(root, rules.home, &why_root);
  if (resolved_root && path_within(*resolved, *resolved_root) && path_within(lexical, root)) return std::nullopt;
  std::string shown = resolved->string() == value ? "" : " (" + resolved->string() + ")";
  return "params." + key + " '" + value + "'" + shown + " is outside " + root_label + " (" + root.string() +
         "), and a plugin uses it as the engine's user; " + std::string(kWhy);
}

}  // namespace

std::string_view to_string(DagAuthors a) { return a == DagAuthors::trusted ? "trusted" : "untrusted"; }

std::optional<DagAuthors> parse_dag_authors(std::string_view text) {
  if (text == "trusted") return DagAuthors::trusted;
  if (text == "untrusted") return DagAuthors::untrusted;
  return std::nullopt;
}

TrustRules make_trust_rules(const TrustPolicy& policy, const fs::path& installed_plugin_dir, const fs::path& home) {
  TrustRules rules;
  rules.dag_authors = policy.dag_authors;
  for (const fs::path& d : policy.plugin_dirs) rules.trusted_plugin_dirs.push_back(canonical_or_lexical(d));
  rules.trusted_plugin_dirs.push_back(canonical_or_lexical(fs::absolute(installed_plugin_dir)));
  rules.home = home.empty() ? fs::current_path() : fs::absolute(home).lexically_normal();
  return rules;
}

bool is_refused_env_name(std::string_view name) {
  if (std::find(kRefusedNames.begin(), kRefusedNames.end(), name) != kRefusedNames.end()) return true;
  return std::any_of(kRefusedPrefixes.begin(), kRefusedPrefixes.end(),
                     [&](std::string_view p) { return name.substr(0, p.size()) == p; });
}

std::optional<fs::path> dag_data_root(std::string_view dag_id, const TrustRules& rules) {
  std::optional<fs::path> dir = dag_data_dir(dag_id);
  if (!dir) return std::nullopt;
  return rules.home / *dir;
}

std::vector<TrustViolation> check_task_trust(const TaskSpec& task, std::string_view dag_id, const TrustRules& rules) {
  std::vector<TrustViolation> out;
  if (!rules.untrusted()) return out;
  switch (task.kind()) {
    case TaskKind::command:
      out.push_back(
          {"/command", "command tasks are refused: a command runs as the engine's user; " + std::string(kWhy)});
      return out;
    case TaskKind::container:
      return out;  // the container policy decides
    case TaskKind::plugin:
      break;
  }
  const PluginTask& plugin = *task.plugin();
  if (plugin.isolation_kind() == Isolation::in_process)
    out.push_back({"/isolation",
                   "isolation 'in_process' is refused: the plugin would run inside the "
                   "engine, without limits; " +
                       std::string(kWhy)});
  if (auto it = rules.plugin_files.find(plugin.name); it != rules.plugin_files.end()) {
    const fs::path dir = canonical_or_lexical(it->second.parent_path());
    if (std::find(rules.trusted_plugin_dirs.begin(), rules.trusted_plugin_dirs.end(), dir) ==
        rules.trusted_plugin_dirs.end())
      out.push_back({"/plugin", "plugin '" + plugin.name + "' would be loaded from " + it->second.string() +
                                    ", outside the trusted plugin directories (" + join(rules.trusted_plugin_dirs) +
                                    "); " + std::string(kWhy)});
  }
  for (const auto& [name, value] : task.env)
    if (is_refused_env_name(name))
      out.push_back({"/env/" + pointer_token(name), "env '" + name +
                                                        "' is refused: it changes what code or files the task host "
                                                        "loads as the engine's user; " +
                                                        std::string(kWhy)});
  if (task.params->is_object()) {
    const std::optional<fs::path> data_root = dag_data_root(dag_id, rules);
    if (auto it = task.params->find("data_dir"); it != task.params->end() && it->is_string()) {
      const std::string value = it->get<std::string>();
      std::optional<std::string> problem =
          data_root ? path_param_problem("data_dir", value, *data_root, "the DAG's data directory", rules)
                    : "params.data_dir is refused for a DAG without a directory of its own; " + std::string(kWhy);
      if (problem) out.push_back({"/params/data_dir", std::move(*problem)});
    }
    if (auto it = task.params->find("env_file"); it != task.params->end() && it->is_string()) {
      if (auto problem = path_param_problem("env_file", it->get<std::string>(), rules.home, "the dagrun home", rules))
        out.push_back({"/params/env_file", std::move(*problem)});
    }
  }
  return out;
}

}  // namespace dagrun
