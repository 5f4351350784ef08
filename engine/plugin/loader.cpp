// Boost.DLL is used with std::filesystem paths so that the task host, which
// must start fast, does not need libboost_filesystem. This is the only file
// that includes Boost.DLL; keep it that way (the macro changes its types).
#define BOOST_DLL_USE_STD_FS
#include "plugin/loader.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

namespace dagrun {

struct LoadedPlugin::Library {
  boost::dll::shared_library library;
};

LoadedPlugin::LoadedPlugin(std::unique_ptr<Library> library, const dagrun_plugin* descriptor,
                           std::string name, std::filesystem::path path)
    : library_(std::move(library)), descriptor_(descriptor), name_(std::move(name)), path_(std::move(path)) {}

LoadedPlugin::~LoadedPlugin() = default;

std::optional<std::string> plugin_name_from_filename(std::string_view filename) {
  constexpr std::string_view prefix = "dagrun_", suffix = ".so";
  if (filename.size() <= prefix.size() + suffix.size() || !filename.starts_with(prefix) ||
      !filename.ends_with(suffix))
    return std::nullopt;
  auto name = filename.substr(prefix.size(), filename.size() - prefix.size() - suffix.size());
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return std::nullopt;
  }
  return std::string(name);
}

namespace {

std::string who(std::string_view name, const std::filesystem::path& file) {
  return "plugin '" + std::string(name) + "' (" + file.string() + ")";
}

std::string abi_text(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string last_dlerror(const std::string& fallback) {
  const char* text = ::dlerror();
  return text ? text : fallback;
}

}  // namespace

std::string check_descriptor(const dagrun_plugin* d, std::string_view expected_name,
                             const std::filesystem::path& file) {
  if (!d) return who(expected_name, file) + ": " DAGRUN_PLUGIN_ENTRY_NAME "() returned null";
  // struct_size, abi_major and abi_minor keep their offsets in every ABI
  // version, so they can be read before anything else is trusted.
  if (d->abi_major != DAGRUN_PLUGIN_ABI_MAJOR || d->abi_minor > DAGRUN_PLUGIN_ABI_MINOR)
    return who(expected_name, file) + " was built for plugin ABI " + abi_text(d->abi_major, d->abi_minor) +
           ", but this dagrun speaks ABI " + abi_text(DAGRUN_PLUGIN_ABI_MAJOR, DAGRUN_PLUGIN_ABI_MINOR);
  if (d->struct_size < kPluginDescriptorMinSize)
    return who(expected_name, file) + " has a descriptor of " + std::to_string(d->struct_size) +
           " bytes, smaller than the " + std::to_string(kPluginDescriptorMinSize) + " bytes of ABI 1.0";
  if (!d->name || expected_name != d->name)
    return who(expected_name, file) + " declares the name '" + (d->name ? d->name : "") +
           "'; the file must be named dagrun_" + (d->name ? d->name : "") + ".so";
  if (!d->run) return who(expected_name, file) + " has no run function";
  return {};
}

std::unique_ptr<LoadedPlugin> load_plugin(const std::filesystem::path& file) {
  auto name = plugin_name_from_filename(file.filename().string());
  if (!name) throw PluginLoadError("plugin file " + file.string() + " is not named dagrun_<name>.so");

  auto lib = std::make_unique<LoadedPlugin::Library>();
  boost::dll::fs::error_code ec;
  ::dlerror();
  lib->library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) throw PluginLoadError("cannot load " + who(*name, file) + ": " + last_dlerror(ec.message()));

  ::dlerror();
  if (!lib->library.has(DAGRUN_PLUGIN_ENTRY_NAME))
    throw PluginLoadError(who(*name, file) + " does not export " DAGRUN_PLUGIN_ENTRY_NAME ": " +
                          last_dlerror("symbol not found"));
  auto& entry = lib->library.get<const dagrun_plugin*()>(DAGRUN_PLUGIN_ENTRY_NAME);
  const dagrun_plugin* descriptor = entry();
  if (auto why = check_descriptor(descriptor, *name, file); !why.empty()) throw PluginLoadError(why);
  return std::make_unique<LoadedPlugin>(std::move(lib), descriptor, *name, file);
}

}  // namespace dagrun
