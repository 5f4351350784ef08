// Loading a plugin's shared library (Boost.DLL) and checking its descriptor
// against the ABI this dagrun speaks. Used by the task host for isolated
// tries and by the engine itself for in_process ones.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <dagrun/plugin.h>

namespace dagrun {

class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The size of an ABI 1.0 descriptor: every plugin's struct_size is at least this.
inline constexpr std::size_t kPluginDescriptorMinSize =
    offsetof(dagrun_plugin, run) + sizeof(dagrun_plugin::run);

// "x" for ".../dagrun_x.so"; nullopt for any other file name. Names are
// letters, digits, '_' and '-'.
std::optional<std::string> plugin_name_from_filename(std::string_view filename);

// Empty when descriptor d, found in file, may be run as plugin expected_name;
// else one sentence saying why not, e.g. "plugin 'x' (/p/dagrun_x.so) was
// built for plugin ABI 2.0, but this dagrun speaks ABI 1.0".
std::string check_descriptor(const dagrun_plugin* d, std::string_view expected_name,
                             const std::filesystem::path& file);

class LoadedPlugin {
 public:
  struct Library;
  LoadedPlugin(std::unique_ptr<Library> library, const dagrun_plugin* descriptor, std::string name,
               std::filesystem::path path);
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const dagrun_plugin& descriptor() const { return *descriptor_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::unique_ptr<Library> library_;
  const dagrun_plugin* descriptor_;
  std::string name_;
  std::filesystem::path path_;
};

// Loads file with RTLD_NOW (a missing symbol fails here, not in the middle of
// a try), calls its entry point and checks the descriptor. The plugin's name
// is taken from the file name. Throws PluginLoadError.
std::unique_ptr<LoadedPlugin> load_plugin(const std::filesystem::path& file);

}  // namespace dagrun
