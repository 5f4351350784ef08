// HOME/dagrun.json: dag_authors and trusted_plugin_dirs, read with positioned
// errors like the rest of the file.
#include <doctest/doctest.h>

#include "container_test_home.h"
#include "spec/engine_config.h"

using namespace dagrun;
using dagrun::test::TempHome;

namespace {

std::string errors_of(const EngineConfigResult& r, const TempHome& home) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
  return home.shown(out);
}

}  // namespace

TEST_CASE("DAG authors are trusted unless the operator says otherwise") {
  TempHome home;
  EngineConfigResult r = load_engine_config(home.path());
  REQUIRE(r.ok());
  CHECK(r.config->trust.dag_authors == DagAuthors::trusted);
  CHECK(r.config->trust.plugin_dirs.empty());

  home.write("dagrun.json", R"({"dag_authors": "trusted"})");
  r = load_engine_config(home.path());
  REQUIRE(r.ok());
  CHECK(r.config->trust.dag_authors == DagAuthors::trusted);
}

TEST_CASE("dag_authors untrusted, and trusted plugin directories resolved against the home") {
  TempHome home;
  home.mkdir("vetted");
  home.link("plugins-link", "vetted");
  home.write("dagrun.json", R"({"dag_authors": "untrusted",
    "trusted_plugin_dirs": ["/opt/dagrun-plugins", "plugins-link", "not/yet"]})");
  EngineConfigResult r = load_engine_config(home.path());
  REQUIRE_MESSAGE(r.ok(), errors_of(r, home));
  CHECK(r.config->trust.dag_authors == DagAuthors::untrusted);
  REQUIRE(r.config->trust.plugin_dirs.size() == 3);
  CHECK(r.config->trust.plugin_dirs[0] == "/opt/dagrun-plugins");
  CHECK(r.config->trust.plugin_dirs[1] == home / "vetted");  // links resolved
  CHECK(r.config->trust.plugin_dirs[2] == home / "not/yet");
}

TEST_CASE("mistakes in dag_authors and trusted_plugin_dirs stop the configuration") {
  TempHome home;
  auto errors = [&](const std::string& text) {
    EngineConfigResult r = parse_engine_config(text, "c.json", home.path());
    CHECK(r.ok() == r.diagnostics.empty());
    CHECK(r.config.has_value() == r.diagnostics.empty());
    return errors_of(r, home);
  };
  CHECK(errors(R"({"dag_authors": "untrustd"})") ==
        "c.json:1:17: error: config: invalid dag_authors 'untrustd': must be \"trusted\" or \"untrusted\" "
        "(did you mean 'untrusted'?)\n");
  CHECK(errors(R"({"dag_authors": "Untrusted"})") ==
        "c.json:1:17: error: config: invalid dag_authors 'Untrusted': must be \"trusted\" or \"untrusted\" "
        "(did you mean 'untrusted'?)\n");
  CHECK(errors(R"({"dag_authors": false})") ==
        "c.json:1:17: error: config: dag_authors must be \"trusted\" or \"untrusted\", got boolean\n");
  CHECK(errors(R"({"dag_authors": "untrusted", "dag_authors": "trusted"})") ==
        "c.json:1:30: error: config: key 'dag_authors' is given more than once\n");
  CHECK(errors(R"({"dag_author": "untrusted"})") ==
        "c.json:1:2: error: config: unknown key 'dag_author' (did you mean 'dag_authors'?)\n");
  CHECK(errors(R"({"trusted_plugin_dirs": "/opt/p"})") ==
        "c.json:1:25: error: config: trusted_plugin_dirs must be a list of directories, got string\n");
  CHECK(errors(R"({"trusted_plugin_dirs": ["", 7]})") ==
        "c.json:1:26: error: config: trusted_plugin_dirs[0] must not be empty\n"
        "c.json:1:30: error: config: trusted_plugin_dirs[1] must be a string, got 7\n");
}

TEST_CASE("a trusted plugin directory may not lie where DAG authors or their tasks write") {
  TempHome home;
  home.mkdir("shared");
  home.mkdir("dags");
  home.link("sneaky", "dags");
  EngineConfigResult r = parse_engine_config(R"({
  "containers": {"allowed_mount_roots": ["shared"]},
  "trusted_plugin_dirs": ["dags/plugins", "data", "logs/x", "shared/p", "sneaky", "plugins"]})",
                                             "c.json", home.path());
  CHECK_FALSE(r.ok());
  const std::string why =
      ", where DAG authors or their tasks can write; a trusted plugin directory must be the "
      "operator's alone\n";
  CHECK(errors_of(r, home) ==
        "c.json:3:27: error: config: plugin directory 'dags/plugins' lies in the DAGs folder" + why +
            "c.json:3:43: error: config: plugin directory 'data' lies in the tasks' data" + why +
            "c.json:3:51: error: config: plugin directory 'logs/x' lies in the tasks' logs" + why +
            "c.json:3:61: error: config: plugin directory 'shared/p' lies in the container mount root HOME/shared" +
            why + "c.json:3:73: error: config: plugin directory 'sneaky' lies in the DAGs folder" + why);
}
