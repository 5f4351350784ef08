// The example plugins (plugins/example, shown in docs/plugins.md) build out of
// tree through the installed CMake package, install where dagrun looks, and
// run. tests/e2e/test_plugin_package.py covers pkg-config and the dagrun binary.
#include <doctest/doctest.h>

#include <cstdlib>

#include "../exec/exec_test_support.h"
#include "exec/plugin_executor.h"
#include "plugin/catalog.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

// Runs a shell command with its output in log; returns its exit status.
int sh(const std::string& command, const std::filesystem::path& log) {
  return std::system((command + " >>" + log.string() + " 2>&1").c_str());
}

}  // namespace

TEST_CASE("the documented hello plugin builds against the installed package and runs") {
  TempDir t;
  auto source_dir = std::filesystem::path(DAGRUN_TEST_DATA_DIR).parent_path().parent_path();
  auto prefix = t.path() / "prefix";
  auto log = t.path() / "cmake.log";

  REQUIRE_MESSAGE(sh("cmake --install " + build_dir().string() + " --prefix " + prefix.string(), log) == 0,
                  read_file(log));
  REQUIRE(std::filesystem::exists(prefix / "include" / "dagrun" / "plugin.h"));
  auto example = source_dir / "plugins" / "example";
  auto build = t.path() / "build";
  REQUIRE_MESSAGE(sh("cmake -S " + example.string() + " -B " + build.string() + " -DCMAKE_PREFIX_PATH=" +
                         prefix.string(),
                     log) == 0,
                  read_file(log));
  REQUIRE_MESSAGE(sh("cmake --build " + build.string(), log) == 0, read_file(log));
  REQUIRE_MESSAGE(sh("cmake --install " + build.string() + " --prefix " + prefix.string(), log) == 0,
                  read_file(log));

  auto plugins = prefix / DAGRUN_REL_PLUGIN_DIR;
  REQUIRE(std::filesystem::exists(plugins / "dagrun_hello.so"));
  PluginCatalog catalog({plugins});
  ExecOptions options = test_options();
  options.task_host = prefix / DAGRUN_REL_LIBEXEC_DIR / "dagrun-task-host";
  CHECK(describe_plugin(*catalog.find("hello"), options.task_host).version == "1.0.0");

  TryFixture f;
  f.plugin("hello");
  FakeSink sink;
  CancelToken cancel;
  auto out = make_plugin_executor(catalog, options)->run(f.request(), sink, cancel);
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(sink.pushed.at("greeting") == "\"hello\"");
  CHECK(f.log_text().find("INFO hello from task t of test_dag (try 1)") != std::string::npos);
}
