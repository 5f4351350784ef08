#include <doctest/doctest.h>

#include "../exec/exec_test_support.h"
#include "plugin/loader.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {
dagrun_status dummy_run(const dagrun_task_context*, const dagrun_host*) { return DAGRUN_SUCCESS; }

dagrun_plugin good_descriptor() {
  return {sizeof(dagrun_plugin), DAGRUN_PLUGIN_ABI_MAJOR, DAGRUN_PLUGIN_ABI_MINOR, "x", "1.0", "d", dummy_run};
}
}  // namespace

TEST_CASE("plugin names come from dagrun_<name>.so file names") {
  CHECK(plugin_name_from_filename("dagrun_fetch_news.so") == "fetch_news");
  CHECK(plugin_name_from_filename("dagrun_a-b.so") == "a-b");
  CHECK_FALSE(plugin_name_from_filename("dagrun_.so"));
  CHECK_FALSE(plugin_name_from_filename("libdagrun_x.so"));
  CHECK_FALSE(plugin_name_from_filename("dagrun_x.so.1"));
  CHECK_FALSE(plugin_name_from_filename("dagrun_x y.so"));
}

TEST_CASE("a plugin from the build tree loads and describes itself") {
  auto plugin = load_plugin(plugin_dir() / "dagrun_noop.so");
  CHECK(plugin->name() == "noop");
  CHECK(std::string(plugin->descriptor().version) == "1.0.0");
  CHECK(plugin->descriptor().abi_major == DAGRUN_PLUGIN_ABI_MAJOR);
  CHECK(static_cast<bool>(plugin->descriptor().run));
}

TEST_CASE("a plugin built for another ABI major is refused with one sentence naming both versions") {
  auto file = broken_plugin_dir() / "dagrun_bad_abi.so";
  CHECK_THROWS_WITH_AS(load_plugin(file),
                       ("plugin 'bad_abi' (" + file.string() +
                        ") was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0")
                           .c_str(),
                       PluginLoadError);
}

TEST_CASE("a library without the entry point is refused with the dlerror text") {
  auto file = broken_plugin_dir() / "dagrun_no_entry.so";
  CHECK_THROWS_WITH_AS(load_plugin(file),
                       doctest::Contains(("does not export dagrun_plugin_descriptor: " + file.string() +
                                          ": undefined symbol: dagrun_plugin_descriptor")
                                             .c_str()),
                       PluginLoadError);
}

TEST_CASE("a file that is not a shared library is refused with the dlerror text") {
  TempDir dir;
  auto file = dir.path() / "dagrun_garbage.so";
  { std::ofstream(file) << "not an ELF file, just text that is long enough to have a header\n"; }
  CHECK_THROWS_WITH_AS(load_plugin(file),
                       doctest::Contains(("cannot load plugin 'garbage' (" + file.string() + "): " +
                                          file.string() + ": invalid ELF header")
                                             .c_str()),
                       PluginLoadError);
}

TEST_CASE("descriptor checks") {
  std::filesystem::path file = "/p/dagrun_x.so";
  auto d = good_descriptor();
  CHECK(check_descriptor(&d, "x", file).empty());

  CHECK(check_descriptor(nullptr, "x", file) == "plugin 'x' (/p/dagrun_x.so): dagrun_plugin_descriptor() returned null");

  auto newer = good_descriptor();
  newer.abi_minor = DAGRUN_PLUGIN_ABI_MINOR + 1;
  CHECK(check_descriptor(&newer, "x", file) ==
        "plugin 'x' (/p/dagrun_x.so) was built for plugin ABI 1." + std::to_string(DAGRUN_PLUGIN_ABI_MINOR + 1) +
            ", but this dagrun speaks ABI 1." + std::to_string(DAGRUN_PLUGIN_ABI_MINOR));

  auto older_major = good_descriptor();
  older_major.abi_major = 0;
  CHECK(check_descriptor(&older_major, "x", file).find("was built for plugin ABI 0.") != std::string::npos);

  auto small = good_descriptor();
  small.struct_size = 8;
  CHECK(check_descriptor(&small, "x", file).find("has a descriptor of 8 bytes") != std::string::npos);

  auto renamed = good_descriptor();
  renamed.name = "y";
  CHECK(check_descriptor(&renamed, "x", file) ==
        "plugin 'x' (/p/dagrun_x.so) declares the name 'y'; the file must be named dagrun_y.so");

  auto no_run = good_descriptor();
  no_run.run = nullptr;
  CHECK(check_descriptor(&no_run, "x", file) == "plugin 'x' (/p/dagrun_x.so) has no run function");
}
