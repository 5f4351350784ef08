#include <doctest/doctest.h>

#include "../exec/exec_test_support.h"
#include "plugin/catalog.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {
void touch(const std::filesystem::path& p) { std::ofstream(p) << "x"; }
}  // namespace

TEST_CASE("the catalog lists dagrun_<name>.so files without loading them") {
  TempDir dir;
  touch(dir.path() / "dagrun_beta.so");   // not a real library: never loaded
  touch(dir.path() / "dagrun_alpha.so");
  touch(dir.path() / "libother.so");
  touch(dir.path() / "dagrun_notes.txt");
  std::filesystem::create_directory(dir.path() / "dagrun_dir.so");
  PluginCatalog catalog({dir.path()});
  REQUIRE(catalog.plugins().size() == 2);
  CHECK(catalog.plugins()[0].name == "alpha");
  CHECK(catalog.plugins()[1].name == "beta");
  REQUIRE(catalog.find("beta"));
  CHECK(catalog.find("beta")->path == dir.path() / "dagrun_beta.so");
  CHECK_FALSE(catalog.find("gamma"));
  CHECK_FALSE(catalog.find("dir"));
}

TEST_CASE("the first directory with a name wins") {
  TempDir first, second;
  touch(first.path() / "dagrun_shared.so");
  touch(second.path() / "dagrun_shared.so");
  touch(second.path() / "dagrun_only_second.so");
  PluginCatalog catalog({first.path(), second.path()});
  REQUIRE(catalog.find("shared"));
  CHECK(catalog.find("shared")->path == first.path() / "dagrun_shared.so");
  CHECK(catalog.find("only_second"));
  REQUIRE(catalog.shadowed().size() == 1);
  CHECK(catalog.shadowed()[0].path == second.path() / "dagrun_shared.so");
}

TEST_CASE("missing directories are skipped and named in the search path") {
  TempDir dir;
  touch(dir.path() / "dagrun_a.so");
  PluginCatalog catalog({dir.path() / "missing", dir.path()});
  CHECK(catalog.find("a"));
  CHECK(catalog.search_path() == (dir.path() / "missing").string() + ":" + dir.path().string());
}

TEST_CASE("symlinked plugins are found under the link's name") {
  TempDir dir;
  std::filesystem::create_symlink(plugin_dir() / "dagrun_noop.so", dir.path() / "dagrun_noop.so");
  PluginCatalog catalog({dir.path()});
  CHECK(catalog.find("noop"));
}

TEST_CASE("describe runs the task host and reports the descriptor") {
  PluginCatalog catalog({plugin_dir()});
  REQUIRE(catalog.find("noop"));
  auto d = describe_plugin(*catalog.find("noop"), task_host());
  CHECK(d.error == "");
  CHECK(d.version == "1.0.0");
  CHECK(d.description == "succeeds at once");
  CHECK(d.abi == "1.0");
}

TEST_CASE("a plugin that cannot be described shows the error instead") {
  PluginCatalog broken({broken_plugin_dir()});
  REQUIRE(broken.find("bad_abi"));
  auto d = describe_plugin(*broken.find("bad_abi"), task_host());
  CHECK(d.error.find("was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0") != std::string::npos);
  CHECK(d.version.empty());

  TempDir dir;
  touch(dir.path() / "dagrun_fake.so");
  PluginCatalog fake({dir.path()});
  auto f = describe_plugin(*fake.find("fake"), task_host());
  CHECK(f.error.find("cannot load plugin 'fake'") == 0);

  auto no_host = describe_plugin(*fake.find("fake"), dir.path() / "no-such-host");
  CHECK(no_host.error.find("cannot describe") == 0);
}

TEST_CASE("relative plugin directories are made absolute") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "plugins");
  touch(dir.path() / "plugins" / "dagrun_rel.so");
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  PluginCatalog catalog({"plugins"});
  std::filesystem::current_path(previous);
  REQUIRE(catalog.find("rel"));
  CHECK(catalog.find("rel")->path == dir.path() / "plugins" / "dagrun_rel.so");
}
