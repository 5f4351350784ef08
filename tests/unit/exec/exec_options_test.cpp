#include <doctest/doctest.h>

#include "exec/exec_options.h"
#include "exec_test_support.h"

using namespace dagrun;
using namespace dagrun::testing;

TEST_CASE("the task host, plugins and PostgreSQL module are found relative to the binary's bin directory") {
  auto paths = install_paths_for("/opt/dagrun/bin/dagrun");
  CHECK(paths.task_host == std::filesystem::path("/opt/dagrun") / DAGRUN_REL_LIBEXEC_DIR / "dagrun-task-host");
  CHECK(paths.plugin_dir == std::filesystem::path("/opt/dagrun") / DAGRUN_REL_PLUGIN_DIR);
  CHECK(paths.pg_module == std::filesystem::path("/opt/dagrun") / DAGRUN_REL_MODULE_DIR / "dagrun_store_pg.so");
}

TEST_CASE("the build tree mirrors the installed layout") {
  auto paths = install_paths_for(build_dir() / "bin" / "dagrun");
  CHECK(std::filesystem::exists(paths.task_host));
  CHECK(std::filesystem::exists(paths.plugin_dir / "dagrun_noop.so"));
  CHECK(std::filesystem::exists(paths.pg_module));
}
