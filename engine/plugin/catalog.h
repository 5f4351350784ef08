// Which plugins exist: files named dagrun_<name>.so in an ordered list of
// directories. The name comes from the file name, so finding, validating and
// listing plugins never loads plugin code into the engine; describing one
// loads it in a dagrun-task-host child.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun {

struct PluginFile {
  std::string name;
  std::filesystem::path path;
};

struct PluginDescription {
  PluginFile file;
  std::string version;
  std::string description;
  std::string abi;    // "1.0"
  std::string error;  // set instead of the above when the file cannot be described
};

class PluginCatalog {
 public:
  PluginCatalog() = default;
  // Scans dirs in order; the first directory that has a name wins. Missing
  // directories are skipped (search paths often name optional ones).
  // Relative directories are made absolute against the current directory.
  explicit PluginCatalog(std::vector<std::filesystem::path> dirs);

  const PluginFile* find(std::string_view name) const;
  const std::vector<PluginFile>& plugins() const { return plugins_; }    // by name
  const std::vector<PluginFile>& shadowed() const { return shadowed_; }  // hidden by an earlier directory
  const std::vector<std::filesystem::path>& directories() const { return dirs_; }

  // "/a:/b", for "plugin 'x' not found in /a:/b".
  std::string search_path() const;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::vector<PluginFile> plugins_;
  std::vector<PluginFile> shadowed_;
};

// Runs `task_host --describe FILE` and reads its answer.
PluginDescription describe_plugin(const PluginFile& file, const std::filesystem::path& task_host,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace dagrun
