#include "spec/engine_config.h"

#include <algorithm>
#include <array>
#include <limits>
#include <system_error>

#include "model/byte_size.h"
#include "model/container_values.h"
#include "model/ids.h"
#include "model/limits.h"
#include "spec/loader.h"
#include "policy/mount_paths.h"
#include "spec/nested_fields.h"
#include "base/suggest.h"
#include "spec/task_stream.h"

namespace dagrun {
namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 4> kTopKeys{"containers", "dag_authors", "trusted_plugin_dirs", "pools"};
constexpr std::array<std::string_view, 3> kPoolKeys{"name", "slots", "description"};
constexpr size_t kMaxPoolDescription = 1000;
constexpr std::array<std::string_view, 6> kContainerKeys{
    "allowed_mount_roots", "allowed_capabilities", "default_memory",
    "max_memory",          "default_pids_limit",   "max_pids_limit"};
constexpr std::uint64_t kMinMemory = 6ull << 20;  // Docker's minimum

class ConfigReader {
 public:
  ConfigReader(Problems& problems, fs::path home)
      : problems_(problems), home_(std::move(home)), at_(problems, "/containers", "containers") {}

  void read(const Json& root, EngineConfig& config);

 private:
  void read_dag_authors(const Json& v, TrustPolicy& trust);
  void read_plugin_dirs(const Json& v, TrustPolicy& trust);
  void read_pools(const Json& v, std::vector<PoolSpec>& pools);
  void check_plugin_dirs(const EngineConfig& config);
  void read_containers(const Json& object, ContainerPolicy& policy);
  void read_roots(const Json& v, ContainerPolicy& policy);
  void read_capabilities(const Json& v, ContainerPolicy& policy);
  std::optional<std::uint64_t> read_memory(const Json& v, const std::string& key);
  std::optional<std::int64_t> read_pids(const Json& v, const std::string& key);

  Problems& problems_;
  fs::path home_;
  FieldPlace at_;
  std::vector<std::string> plugin_dir_text_;     // per resolved plugin directory: as written
  std::vector<std::string> plugin_dir_pointer_;  // and where
};

void ConfigReader::read(const Json& root, EngineConfig& config) {
  if (!root.is_object()) {
    problems_.at("", JsonTarget::value, "config",
                 "the top level must be an object, got " + std::string(json_type_name(root)));
    return;
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& name = it.key();
    if (name == "containers") {
      read_containers(it.value(), config.containers);
    } else if (name == "dag_authors") {
      read_dag_authors(it.value(), config.trust);
    } else if (name == "trusted_plugin_dirs") {
      read_plugin_dirs(it.value(), config.trust);
    } else if (name == "pools") {
      read_pools(it.value(), config.pools);
    } else {
      problems_.at("/" + pointer_token(name), JsonTarget::key, "config",
                   "unknown key '" + name + "'" + did_you_mean(closest_match(name, kTopKeys)));
    }
  }
  check_plugin_dirs(config);
}

void ConfigReader::read_dag_authors(const Json& v, TrustPolicy& trust) {
  auto authors = v.is_string() ? parse_dag_authors(v.get_ref<const std::string&>()) : std::nullopt;
  if (authors) {
    trust.dag_authors = *authors;
    return;
  }
  static constexpr std::array<std::string_view, 2> kValues{"trusted", "untrusted"};
  problems_.at("/dag_authors", JsonTarget::value, "config",
               v.is_string() ? "invalid dag_authors '" + v.get<std::string>() +
                                   "': must be \"trusted\" or \"untrusted\"" +
                                   did_you_mean(closest_match(v.get<std::string>(), kValues))
                             : "dag_authors must be \"trusted\" or \"untrusted\", got " + describe(v));
}

void ConfigReader::read_plugin_dirs(const Json& v, TrustPolicy& trust) {
  if (!v.is_array()) {
    problems_.at("/trusted_plugin_dirs", JsonTarget::value, "config",
                 "trusted_plugin_dirs must be a list of directories, got " + describe(v));
    return;
  }
  FieldPlace at(problems_, "", "config");
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string pointer = "/trusted_plugin_dirs/" + std::to_string(i);
    const std::string label = "trusted_plugin_dirs[" + std::to_string(i) + "]";
    auto text = at.string(v[i], pointer, label);
    if (!text) continue;
    if (text->empty()) {
      at.value(pointer, label + " must not be empty");
      continue;
    }
    std::string why;
    auto resolved = resolve_host_path(*text, home_, &why);
    if (!resolved) {
      at.value(pointer, "plugin directory '" + *text + "' cannot be checked: " + why);
      continue;
    }
    trust.plugin_dirs.push_back(*resolved);
    plugin_dir_text_.push_back(*text);
    plugin_dir_pointer_.push_back(pointer);
  }
}

// [{"name": "api", "slots": 2, "description": "..."}, ...]
void ConfigReader::read_pools(const Json& v, std::vector<PoolSpec>& pools) {
  FieldPlace at(problems_, "", "config");
  if (!v.is_array()) {
    at.value("/pools", "pools must be a list of {\"name\", \"slots\"} objects, got " + describe(v));
    return;
  }
  if (v.size() > limits::kMaxPools) {
    at.value("/pools", "pools lists " + std::to_string(v.size()) + " pools; at most " +
                           std::to_string(limits::kMaxPools) + " are allowed");
    return;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string pointer = "/pools/" + std::to_string(i);
    const Json& item = v[i];
    if (!item.is_object()) {
      at.value(pointer, "pools[" + std::to_string(i) + "] must be an object with name and slots, got " +
                            describe(item));
      continue;
    }
    PoolSpec pool;
    bool ok = true;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string& key = it.key();
      const std::string sub = pointer + "/" + pointer_token(key);
      if (key == "name") {
        auto name = at.string(it.value(), sub, "pool name");
        if (!name) {
          ok = false;
        } else if (auto problem = id_problem(IdKind::task, *name)) {
          at.value(sub, "pool name " + quote_id(*name) + " is not valid: " + *problem);
          ok = false;
        } else {
          pool.name = *name;
        }
      } else if (key == "slots") {
        const Json& n = it.value();
        if (!n.is_number_integer() || n.get<long long>() < 0 || n.get<long long>() > limits::kMaxPoolSlots) {
          at.value(sub, "slots must be a whole number from 0 to " + std::to_string(limits::kMaxPoolSlots) +
                            ", got " + describe(n));
          ok = false;
        } else {
          pool.slots = n.get<int>();
        }
      } else if (key == "description") {
        auto text = at.string(it.value(), sub, "description");
        if (text && text->size() > kMaxPoolDescription) {
          at.value(sub, "description is longer than " + std::to_string(kMaxPoolDescription) + " bytes");
          ok = false;
        } else if (text) {
          pool.description = *text;
        } else {
          ok = false;
        }
      } else {
        at.key(sub, "unknown key '" + key + "' in a pool" + did_you_mean(closest_match(key, kPoolKeys)));
        ok = false;
      }
    }
    for (std::string_view required : {"name", "slots"})
      if (!item.contains(required)) {
        at.value(pointer, "pools[" + std::to_string(i) + "] has no " + std::string(required));
        ok = false;
      }
    if (!ok) continue;
    if (find_pool(pools, pool.name)) {
      at.value(pointer + "/name", "pool '" + pool.name + "' is declared twice");
      continue;
    }
    pools.push_back(std::move(pool));
  }
}

// A trusted plugin directory holds code that runs as the engine's user, so it
// may not lie where a DAG author or a task can write: the DAGs folder, the data
// and logs the tasks write, a root containers may mount. (The catalog reads only
// the directory itself, so one that merely contains such a place is fine.)
void ConfigReader::check_plugin_dirs(const EngineConfig& config) {
  std::vector<std::pair<fs::path, std::string>> writable{
      {home_ / "dags", "the DAGs folder"}, {home_ / "data", "the tasks' data"}, {home_ / "logs", "the tasks' logs"}};
  for (const fs::path& root : config.containers.allowed_mount_roots)
    writable.emplace_back(root, "the container mount root " + root.string());
  FieldPlace at(problems_, "", "config");
  for (size_t i = 0; i < config.trust.plugin_dirs.size(); ++i) {
    const fs::path& dir = config.trust.plugin_dirs[i];
    for (const auto& [place, label] : writable) {
      std::string why;
      auto resolved = resolve_host_path(place, home_, &why);
      if (!path_within(dir, resolved ? *resolved : place)) continue;
      at.value(plugin_dir_pointer_[i],
               "plugin directory '" + plugin_dir_text_[i] + "' lies in " + label +
                   ", where DAG authors or their tasks can write; a trusted plugin directory must be the "
                   "operator's alone");
      break;
    }
  }
}

void ConfigReader::read_containers(const Json& object, ContainerPolicy& policy) {
  if (!object.is_object()) {
    at_.value("", "containers must be an object, got " + describe(object));
    return;
  }
  bool memory_ok = true;
  bool pids_ok = true;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "allowed_mount_roots") {
      read_roots(v, policy);
    } else if (key == "allowed_capabilities") {
      read_capabilities(v, policy);
    } else if (key == "default_memory" || key == "max_memory") {
      auto n = read_memory(v, key);
      if (n) (key == "max_memory" ? policy.max_memory : policy.default_memory) = *n;
      memory_ok = memory_ok && n;
    } else if (key == "default_pids_limit" || key == "max_pids_limit") {
      auto n = read_pids(v, key);
      if (n) (key == "max_pids_limit" ? policy.max_pids_limit : policy.default_pids_limit) = *n;
      pids_ok = pids_ok && n;
    } else {
      at_.key("/" + pointer_token(key),
              "unknown key '" + key + "'" + did_you_mean(closest_match(key, kContainerKeys)));
    }
  }
  // A default above the maximum would make every task without a limit break the policy.
  if (memory_ok && policy.default_memory > policy.max_memory)
    at_.value(object.contains("default_memory") ? "/default_memory" : "/max_memory",
              "default_memory " + format_byte_size(policy.default_memory) +
                  " is above max_memory " + format_byte_size(policy.max_memory));
  if (pids_ok && policy.default_pids_limit > policy.max_pids_limit)
    at_.value(object.contains("default_pids_limit") ? "/default_pids_limit" : "/max_pids_limit",
              "default_pids_limit " + std::to_string(policy.default_pids_limit) +
                  " is above max_pids_limit " + std::to_string(policy.max_pids_limit));
}

void ConfigReader::read_roots(const Json& v, ContainerPolicy& policy) {
  if (!v.is_array()) {
    at_.value("/allowed_mount_roots",
              "allowed_mount_roots must be a list of paths, got " + describe(v));
    return;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = "/allowed_mount_roots/" + std::to_string(i);
    const std::string label = "allowed_mount_roots[" + std::to_string(i) + "]";
    auto text = at_.string(v[i], at, label);
    if (!text) continue;
    if (text->empty()) {
      at_.value(at, label + " must not be empty");
      continue;
    }
    std::string why;
    fs::path lexical = lexical_host_path(*text, home_);
    auto resolved = resolve_host_path(*text, home_, &why);
    if (!resolved) {
      at_.value(at, "mount root '" + *text + "' cannot be checked: " + why);
      continue;
    }
    auto reason = never_a_root_reason(lexical);
    if (!reason) reason = never_a_root_reason(*resolved);
    if (reason) {
      std::string shown = resolved->string() == *text ? "" : " (" + resolved->string() + ")";
      at_.value(at, "mount root '" + *text + "'" + shown + " " + *reason);
      continue;
    }
    policy.allowed_mount_roots.push_back(*resolved);
  }
}

void ConfigReader::read_capabilities(const Json& v, ContainerPolicy& policy) {
  if (!v.is_array()) {
    at_.value("/allowed_capabilities",
              "allowed_capabilities must be a list of capability names, got " + describe(v));
    return;
  }
  const auto& known = linux_capabilities();
  std::vector<std::string> caps;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = "/allowed_capabilities/" + std::to_string(i);
    auto text = at_.string(v[i], at, "allowed_capabilities[" + std::to_string(i) + "]");
    if (!text) continue;
    std::string cap = normalise_capability(*text);
    if (cap == "ALL") {
      at_.value(
          at, "capability 'ALL' cannot be allowed: list the capabilities tasks may add one by one");
    } else if (std::find(known.begin(), known.end(), cap) == known.end()) {
      at_.value(at, "unknown capability '" + *text + "'" + did_you_mean(closest_match(cap, known)));
    } else if (std::find(caps.begin(), caps.end(), cap) == caps.end()) {
      caps.push_back(std::move(cap));
    }
  }
  policy.allowed_capabilities = std::move(caps);
}

std::optional<std::uint64_t> ConfigReader::read_memory(const Json& v, const std::string& key) {
  const std::string at = "/" + key;
  std::optional<std::uint64_t> n;
  if (v.is_number_unsigned()) {
    n = v.get<std::uint64_t>();
  } else if (v.is_string()) {
    std::string why;
    n = parse_byte_size(v.get_ref<const std::string&>(), &why);
    if (!n) {
      at_.value(at, "invalid " + key + " '" + v.get<std::string>() + "': " + why);
      return std::nullopt;
    }
  } else {
    at_.value(at, key + " must be a byte size such as \"512MiB\", got " + describe(v));
    return std::nullopt;
  }
  if (*n < kMinMemory) {
    at_.value(at, key + " must be at least 6MiB (Docker's minimum), got " + format_byte_size(*n));
    return std::nullopt;
  }
  return n;
}

std::optional<std::int64_t> ConfigReader::read_pids(const Json& v, const std::string& key) {
  if (v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
      v.get<std::uint64_t>() <=
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get<std::uint64_t>());
  at_.value("/" + key, key + " must be a positive integer, got " + describe(v));
  return std::nullopt;
}

}  // namespace

fs::path engine_config_path(const fs::path& home) { return home / "dagrun.json"; }

EngineConfigResult parse_engine_config(std::string_view text, const std::string& file_label,
                                       const fs::path& home) {
  EngineConfigResult result;
  result.file = file_label;
  Problems problems(text, file_label);
  // The DAG parser serves any JSON document: it keeps positions for errors and
  // reports keys given twice, which plain parsing would let the last one win.
  StreamedDag doc = parse_dag_json(
      text, [](int, const Json&) {}, problems);
  if (doc.error) {
    SourcePosition pos = position_of_offset(text, doc.error->offset);
    result.diagnostics.push_back(
        {file_label, pos.line, pos.column, "", "invalid JSON: " + doc.error->message});
    return result;
  }
  EngineConfig config;
  ConfigReader(problems, home.empty() ? fs::current_path() : fs::absolute(home))
      .read(doc.root, config);
  if (problems.empty()) {
    result.config = std::move(config);
    return result;
  }
  result.diagnostics = problems.resolve();
  for (Diagnostic& d : result.diagnostics)
    if (d.context == "dag") d.context = "config";  // the parser's name for the top level
  return result;
}

EngineConfigResult load_engine_config(const fs::path& home) {
  return load_engine_config_file(engine_config_path(home), home);
}

EngineConfigResult load_engine_config_file(const fs::path& path, const fs::path& home) {
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec) {
    EngineConfigResult result;
    result.file = path.string();
    result.config = EngineConfig{};
    return result;
  }
  std::string why;
  auto text = read_text_file(path, &why);
  if (!text) {
    EngineConfigResult result;
    result.file = path.string();
    result.diagnostics.push_back({result.file, 0, 0, "", "cannot read file: " + why});
    return result;
  }
  return parse_engine_config(*text, path.string(), home);
}

}  // namespace dagrun
