#include "task_host/standalone_request.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

extern char** environ;

namespace dagrun {
namespace {

std::optional<std::string> lookup(const Environment& environment, std::string_view key) {
  // The last definition wins, as getenv() would see it after a setenv().
  std::optional<std::string> found;
  for (const auto& [k, v] : environment)
    if (k == key) found = v;
  return found;
}

std::string json_text(const Environment& environment, std::string_view key, const char* fallback) {
  auto text = lookup(environment, key);
  if (!text || text->empty()) return fallback;
  if (!nlohmann::json::accept(*text)) throw StandaloneConfigError(std::string(key) + " is not valid JSON");
  return *text;
}

std::uint64_t number(const Environment& environment, std::string_view key, std::uint64_t fallback,
                     std::uint64_t minimum) {
  auto text = lookup(environment, key);
  if (!text || text->empty()) return fallback;
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < minimum)
    throw StandaloneConfigError(std::string(key) + ": expected " +
                                (minimum > 0 ? "a positive integer" : "a non-negative integer") + ", got '" +
                                *text + "'");
  return value;
}

}  // namespace

Environment process_environment() {
  Environment out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

protocol::Request standalone_request(const std::string& plugin_file, const Environment& environment,
                                     const std::filesystem::path& cwd) {
  protocol::Request r;
  // A bare file name would make dlopen() search the library path instead.
  std::filesystem::path file(plugin_file);
  r.plugin_path = (file.is_absolute() ? file : cwd / file).lexically_normal().string();

  PluginContextData& c = r.context;
  c.dag_id = lookup(environment, "DAGRUN_DAG_ID").value_or("");
  c.run_id = lookup(environment, "DAGRUN_RUN_ID").value_or("");
  c.task_id = lookup(environment, "DAGRUN_TASK_ID").value_or("");
  std::uint64_t try_number = number(environment, "DAGRUN_TRY_NUMBER", 1, 1);
  if (try_number > INT32_MAX) throw StandaloneConfigError("DAGRUN_TRY_NUMBER: " + std::to_string(try_number) + " is too large");
  c.try_number = static_cast<int>(try_number);
  c.params_json = json_text(environment, "DAGRUN_PARAMS", "null");
  c.conf_json = json_text(environment, "DAGRUN_CONF", "{}");
  std::filesystem::path data_dir = lookup(environment, "DAGRUN_TMP_DIR").value_or("");
  if (data_dir.empty()) data_dir = cwd;
  c.data_dir = (data_dir.is_absolute() ? data_dir : cwd / data_dir).lexically_normal().string();
  c.env = environment;

  r.memory_limit = number(environment, "DAGRUN_MEMORY_LIMIT", 0, 0);
  if (r.memory_limit)
    r.memory_error = "memory limit of " + std::to_string(r.memory_limit) + " bytes exceeded (DAGRUN_MEMORY_LIMIT)";
  r.cpu_limit_seconds = number(environment, "DAGRUN_CPU_LIMIT", 0, 0);
  return r;
}

}  // namespace dagrun
