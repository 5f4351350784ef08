#include "plugin/catalog.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "base/process.h"
#include "plugin/loader.h"

namespace dagrun {

PluginCatalog::PluginCatalog(std::vector<std::filesystem::path> dirs) : dirs_(std::move(dirs)) {
  // Plugins are loaded by a host whose cwd is the run's data directory.
  for (auto& dir : dirs_) {
    std::error_code ec;
    if (auto absolute = std::filesystem::absolute(dir, ec); !ec) dir = absolute.lexically_normal();
  }
  std::set<std::string> seen;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<PluginFile> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      auto name = plugin_name_from_filename(entry.path().filename().string());
      std::error_code type_ec;
      if (!name || !entry.is_regular_file(type_ec)) continue;  // follows symlinks
      found.push_back({*name, entry.path()});
    }
    // Directory order is arbitrary; sorting keeps the result reproducible.
    std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.name < b.name; });
    for (auto& f : found) {
      if (seen.insert(f.name).second)
        plugins_.push_back(std::move(f));
      else
        shadowed_.push_back(std::move(f));
    }
  }
  std::sort(plugins_.begin(), plugins_.end(), [](auto& a, auto& b) { return a.name < b.name; });
}

const PluginFile* PluginCatalog::find(std::string_view name) const {
  auto it = std::lower_bound(plugins_.begin(), plugins_.end(), name,
                             [](const PluginFile& f, std::string_view n) { return f.name < n; });
  return it != plugins_.end() && it->name == name ? &*it : nullptr;
}

std::string PluginCatalog::search_path() const {
  std::string out;
  for (const auto& d : dirs_) out += (out.empty() ? "" : ":") + d.string();
  return out.empty() ? "(no plugin directories)" : out;
}

PluginDescription describe_plugin(const PluginFile& file, const std::filesystem::path& task_host,
                                  std::chrono::milliseconds timeout) {
  PluginDescription d;
  d.file = file;
  try {
    SpawnSpec spec;
    spec.argv = {task_host.string(), "--describe", file.path.string()};
    spec.search_path = false;
    CapturedRun run = run_captured(spec, timeout);
    if (run.timed_out) {
      d.error = "describing " + file.path.string() + " timed out after " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + "s";
      return d;
    }
    auto j = nlohmann::json::parse(run.output, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      d.error = "cannot describe " + file.path.string() + ": the task host " + describe(run.status);
      return d;
    }
    d.error = j.value("error", "");
    d.version = j.value("version", "");
    d.description = j.value("description", "");
    d.abi = j.value("abi", "");
  } catch (const std::exception& e) {
    d.error = "cannot describe " + file.path.string() + ": " + e.what();
  }
  return d;
}

}  // namespace dagrun
