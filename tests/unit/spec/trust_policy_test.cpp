// The rules for DAG authors who are not trusted: what a DAG may not do as the
// engine's user, refused when it is loaded and again on the rendered task.
#include <nlohmann/json.hpp>

#include "policy/trust_policy.h"

#include <doctest/doctest.h>

#include "container_test_home.h"
#include "load_helpers.h"

using namespace dagrun;
using dagrun::test::TempHome;

namespace {

const std::vector<std::string> kPlugins{"noop", "stray"};

// Rules for an untrusted home whose installed plugins live in HOME/installed;
// "stray" was found in a directory nobody trusted.
TrustRules untrusted_rules(const TempHome& home, DagAuthors authors = DagAuthors::untrusted) {
  TrustPolicy policy;
  policy.dag_authors = authors;
  policy.plugin_dirs = {home / "vetted"};
  home.mkdir("installed");
  home.mkdir("vetted");
  TrustRules rules = make_trust_rules(policy, home / "installed", home.path());
  rules.plugin_files = {{"noop", home / "installed/dagrun_noop.so"},
                        {"vetted", home / "vetted/dagrun_vetted.so"},
                        {"stray", home / "elsewhere/dagrun_stray.so"}};
  return rules;
}

std::string errors(const TempHome& home, const TrustRules& rules, std::string_view text) {
  const std::vector<std::string> known{"noop", "vetted", "stray"};
  LoadOptions options;
  options.home = home.path();
  options.known_plugins = &known;
  options.trust = &rules;
  LoadResult r = load_dag_text(text, "t.json", options);
  CHECK(r.dag.has_value() == r.diagnostics.empty());
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
  return home.shown(out);
}

const char* const kWhy = "; dag_authors is \"untrusted\" in HOME/dagrun.json\n";

// A DAG with every way a task could run its author's code as the engine's user.
constexpr std::string_view kEveryKind = R"({"dag_id": "d", "tasks": [
  {"task_id": "cmd", "command": ["sh", "-c", "echo"]},
  {"task_id": "inproc", "plugin": "noop", "isolation": "in_process"},
  {"task_id": "stray", "plugin": "stray"},
  {"task_id": "preload", "plugin": "noop", "env": {"LD_PRELOAD": "/tmp/x.so", "DAGRUN_TMP_DIR": "/", "OK": "1"}},
  {"task_id": "ok", "plugin": "vetted", "params": {"data_dir": "data/d/cache", "env_file": ".env"}},
  {"task_id": "box", "container": {"image": "busybox"}}]})";

}  // namespace

TEST_CASE("in trusted mode every task kind loads, as it always has") {
  TempHome home;
  TrustRules rules = untrusted_rules(home, DagAuthors::trusted);
  CHECK(errors(home, rules, kEveryKind) == "");
  TaskSpec cmd;
  cmd.task_id = "cmd";
  cmd.action = CommandTask{{"true"}, {}};
  CHECK(check_task_trust(cmd, "d", rules).empty());
}

TEST_CASE("untrusted DAG authors get no command, in_process or untrusted plugin, nor loader variables") {
  TempHome home;
  TrustRules rules = untrusted_rules(home);
  CHECK(errors(home, rules, kEveryKind) ==
        "t.json:2:33: error: task 'cmd': command tasks are refused: a command runs as the engine's user" +
            std::string(kWhy) +
            "t.json:3:56: error: task 'inproc': isolation 'in_process' is refused: the plugin would run inside "
            "the engine, without limits" +
            kWhy + "t.json:4:34: error: task 'stray': plugin 'stray' would be loaded from " +
            "HOME/elsewhere/dagrun_stray.so, outside the trusted plugin directories (HOME/vetted:HOME/installed)" +
            kWhy +
            "t.json:5:66: error: task 'preload': env 'LD_PRELOAD' is refused: it changes what code or files the "
            "task host loads as the engine's user" +
            kWhy +
            "t.json:5:97: error: task 'preload': env 'DAGRUN_TMP_DIR' is refused: it changes what code or files "
            "the task host loads as the engine's user" +
            kWhy);
}

TEST_CASE("data_dir and env_file params stay in the DAG's data directory and the home") {
  TempHome home;
  home.mkdir("data/d");
  home.link("data/d/out", "/usr/share");
  TrustRules rules = untrusted_rules(home);
  const std::string text = R"({"dag_id": "d", "tasks": [
  {"task_id": "a", "plugin": "noop", "params": {"data_dir": "news-data"}},
  {"task_id": "b", "plugin": "noop", "params": {"data_dir": "data/d/../../dags"}},
  {"task_id": "c", "plugin": "noop", "params": {"data_dir": "data/d/out/x"}},
  {"task_id": "e", "plugin": "noop", "params": {"env_file": "/etc/passwd"}},
  {"task_id": "f", "plugin": "noop", "params": {"data_dir": "data/other"}},
  {"task_id": "g", "plugin": "noop", "params": {"data_dir": "data/d/{{ ds }}", "env_file": "secrets/.env"}}]})";
  const std::string use = " (HOME/data/d), and a plugin uses it as the engine's user";
  CHECK(errors(home, rules, text) ==
        "t.json:2:61: error: task 'a': params.data_dir 'news-data' (HOME/news-data) is outside the DAG's data "
        "directory" +
            use + kWhy +
            "t.json:3:61: error: task 'b': params.data_dir 'data/d/../../dags' (HOME/dags) is outside the DAG's "
            "data directory" +
            use + kWhy +
            "t.json:4:61: error: task 'c': params.data_dir 'data/d/out/x' (/usr/share/x) is outside the DAG's data "
            "directory" +
            use + kWhy +
            "t.json:5:61: error: task 'e': params.env_file '/etc/passwd' is outside the dagrun home (HOME), and a "
            "plugin uses it as the engine's user" +
            kWhy +
            "t.json:6:61: error: task 'f': params.data_dir 'data/other' (HOME/data/other) is outside the DAG's data "
            "directory" +
            use + kWhy);
}

TEST_CASE("settings inherited from default_args or the DAG's params are reported where they are written") {
  TempHome home;
  TrustRules rules = untrusted_rules(home);
  CHECK(errors(home, rules, R"({"dag_id": "d", "params": {"data_dir": "/srv"},
  "default_args": {"isolation": "in_process", "env": {"LD_LIBRARY_PATH": "/tmp"}},
  "tasks": [{"task_id": "a", "plugin": "noop"}]})") ==
        "t.json:1:40: error: task 'a': params.data_dir '/srv' is outside the DAG's data directory (HOME/data/d), "
        "and a plugin uses it as the engine's user" +
            std::string(kWhy) +
            "t.json:2:33: error: task 'a': isolation 'in_process' is refused: the plugin would run inside the engine, "
            "without limits" +
            kWhy +
            "t.json:2:74: error: task 'a': env 'LD_LIBRARY_PATH' is refused: it changes what code or files the task "
            "host loads as the engine's user" +
            kWhy);
}

TEST_CASE("a DAG whose id names no directory of its own gets no data_dir") {
  TempHome home;
  TrustRules rules = untrusted_rules(home);
  // HOME/data/.. is the home itself. The id rules refuse such an id first;
  // the trust rule still holds on its own, for a DAG that reached it some
  // other way.
  CHECK(errors(home, rules, R"({"dag_id": "..", "tasks": [
  {"task_id": "a", "plugin": "noop", "params": {"data_dir": "data/../x"}}]})") ==
        "t.json:1:12: error: dag: dag_id must not be '..': it names a directory\n"
        "t.json:2:61: error: task 'a': params.data_dir is refused for a DAG without a directory of its own" +
            std::string(kWhy));
}

TEST_CASE("the rendered task is checked again: a value known only at run time cannot escape") {
  TempHome home;
  TrustRules rules = untrusted_rules(home);
  TaskSpec t;
  t.task_id = "a";
  t.action = PluginTask{"noop", ProcessIsolation{}};
  t.params = nlohmann::json{{"data_dir", "data/d/2026-01-01"}};
  CHECK(check_task_trust(t, "d", rules).empty());
  t.params = nlohmann::json{{"data_dir", "data/d/../../"}};  // as a run id with "../" would render it
  auto v = check_task_trust(t, "d", rules);
  REQUIRE(v.size() == 1);
  CHECK(v[0].field == "/params/data_dir");
  // A plugin the catalog does not know is the executor's "not found", not a trust question.
  t.params = JsonValue();
  std::get<PluginTask>(t.action).name = "missing";
  CHECK(check_task_trust(t, "d", rules).empty());
  // A trusted plugin shadowed by one found earlier in the search path is refused by where it is.
  rules.plugin_files["noop"] = home / "elsewhere/dagrun_noop.so";
  std::get<PluginTask>(t.action).name = "noop";
  REQUIRE(check_task_trust(t, "d", rules).size() == 1);
  CHECK(check_task_trust(t, "d", rules)[0].field == "/plugin");
}

TEST_CASE("environment names that make a process load code or files") {
  for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "GLIBC_TUNABLES", "MALLOC_CHECK_",
                           "DAGRUN_PARAMS", "DAGRUN_HOME", "PATH", "HOME", "TMPDIR", "LOCPATH"})
    CHECK_MESSAGE(is_refused_env_name(name), name);
  for (const char* name : {"NEWS_DATA_DIR", "LANG", "TZ", "LDAP_URI", "MY_LD_PRELOAD", "ld_preload", "API_KEY"})
    CHECK_FALSE_MESSAGE(is_refused_env_name(name), name);
}
