// on_failure, on_retry and on_success as DAG files write them: the forms that
// load, where default_args' lists land, and every refusal at its place.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "load_helpers.h"
#include "policy/trust_policy.h"
#include "container_test_home.h"

using namespace dagrun;
using dagrun::test::errors_of;
using dagrun::test::joined;

namespace {

Dag loaded(std::string_view text) {
  LoadResult r = load_dag_text(text, "t.json", dagrun::test::options_with_plugins());
  INFO(joined(errors_of(text)));
  REQUIRE(r.ok());
  return std::move(*r.dag);
}

// One DAG line with the task's extra keys, so positions read easily.
std::string with_task(const std::string& extra) {
  return "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], " + extra + "}]}";
}

}  // namespace

TEST_CASE("callbacks: an object or a list, of a command, a plugin or a webhook, on tasks, default_args and the DAG") {
  const Dag dag = loaded(R"({"dag_id": "d",
    "on_failure": {"webhook": "https://hooks.example.com/T/B/x", "timeout": "5s"},
    "on_success": [{"command": ["echo", "ok"]}],
    "default_args": {"on_retry": {"plugin": "noop", "params": {"channel": "#ops"}}},
    "tasks": [
      {"task_id": "a", "command": ["false"],
       "on_failure": [{"command": ["notify", "a"], "env": {"TO": "ops"}}, {"webhook": "http://127.0.0.1:9/x"}]},
      {"task_id": "b", "command": ["true"], "on_retry": null},
      {"task_id": "c", "command": ["true"]}]})");
  const CallbackList* run_failure = dag.callbacks.of(CallbackEvent::failure);
  REQUIRE(run_failure);
  REQUIRE(run_failure->size() == 1);
  CHECK((*run_failure)[0].webhook == "https://hooks.example.com/T/B/x");
  CHECK((*run_failure)[0].timeout == std::chrono::seconds(5));
  CHECK_FALSE((*run_failure)[0].task);
  REQUIRE(dag.callbacks.count(CallbackEvent::success) == 1);
  const TaskSpec& ok = *(*dag.callbacks.of(CallbackEvent::success))[0].task;
  CHECK(ok.command()->argv == std::vector<std::string>{"echo", "ok"});
  CHECK(ok.execution_timeout == std::chrono::seconds(60));  // the default timeout bounds the command
  CHECK(dag.callbacks.count(CallbackEvent::retry) == 0);

  const TaskSpec& a = dag.tasks[0];
  REQUIRE(a.callbacks.count(CallbackEvent::failure) == 2);
  const TaskSpec& notify = *(*a.callbacks.of(CallbackEvent::failure))[0].task;
  CHECK(notify.command()->argv == std::vector<std::string>{"notify", "a"});
  CHECK(notify.env == std::vector<std::pair<std::string, std::string>>{{"TO", "ops"}});
  CHECK((*a.callbacks.of(CallbackEvent::failure))[1].webhook == "http://127.0.0.1:9/x");
  // default_args gives on_retry to every task that does not say otherwise,
  // the same list shared, a plugin always in a task host of its own.
  REQUIRE(a.callbacks.count(CallbackEvent::retry) == 1);
  const TaskSpec& plugin = *(*a.callbacks.of(CallbackEvent::retry))[0].task;
  CHECK(plugin.plugin()->name == "noop");
  CHECK(plugin.plugin()->isolation_kind() == Isolation::process);
  CHECK(plugin.params->at("channel") == "#ops");
  CHECK(dag.tasks[1].callbacks.count(CallbackEvent::retry) == 0);  // null: none, overriding default_args
  CHECK(dag.tasks[2].callbacks.of(CallbackEvent::retry) == a.callbacks.of(CallbackEvent::retry));
  CHECK(dag.tasks[2].callbacks.count(CallbackEvent::failure) == 0);
}

TEST_CASE("callbacks: each wrong form is refused at its place, naming the task") {
  struct Case {
    std::string extra;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"("on_failure": "notify.sh")",
       "t.json:2:53: error: task 'a': on_failure must be a callback object or a list of 1 to 8 of them, got string"},
      {R"("on_failure": [])",
       "t.json:2:53: error: task 'a': on_failure must be a callback object or a list of 1 to 8 of them, got a list "
       "of 0"},
      {R"("on_retry": [{"command": ["x"]},{"command": ["x"]},{"command": ["x"]},{"command": ["x"]},)"
       R"({"command": ["x"]},{"command": ["x"]},{"command": ["x"]},{"command": ["x"]},{"command": ["x"]}])",
       "t.json:2:51: error: task 'a': on_retry must be a callback object or a list of 1 to 8 of them, got a list "
       "of 9"},
      {R"("on_success": {})", "t.json:2:53: error: task 'a': a callback needs one of 'command', 'plugin' or 'webhook'"},
      {R"("on_failure": {"command": ["x"], "webhook": "http://h/"})",
       "t.json:2:72: error: task 'a': both 'command' and 'webhook' given; a callback has exactly one of command, "
       "plugin or webhook"},
      {R"("on_failure": {"comand": ["x"]})",
       "t.json:2:53: error: task 'a': a callback needs one of 'command', 'plugin' or 'webhook'\n"
       "t.json:2:54: error: task 'a': unknown key 'comand' in a callback (did you mean 'command'?); a callback has "
       "command, plugin or webhook, and timeout, env, params"},
      {R"("on_failure": {"command": "notify.sh"})",
       "t.json:2:65: error: task 'a': command must be a list of arguments, not a string: use [\"echo\", \"hi\"] or "
       "[\"sh\", \"-c\", \"echo hi\"]"},
      {R"("on_failure": {"plugin": "nope"})",
       "t.json:2:64: error: task 'a': unknown plugin 'nope' (did you mean 'noop'?); known plugins: fail, noop, sleep"},
      {R"("on_failure": {"webhook": "ftp://h/x"})",
       "t.json:2:65: error: task 'a': webhook URL must start with http:// or https://"},
      {R"("on_failure": {"webhook": "http://h/x y"})",
       "t.json:2:65: error: task 'a': webhook URL must not contain spaces or control characters"},
      {R"("on_failure": {"webhook": "http:///x"})", "t.json:2:65: error: task 'a': webhook URL has no host"},
      {R"("on_failure": {"webhook": "http://h/", "env": {"A": "1"}})",
       "t.json:2:78: error: task 'a': 'env' has no effect on a webhook (its body is the event)"},
      {R"("on_failure": {"command": ["x"], "params": {}})",
       "t.json:2:72: error: task 'a': 'params' has no effect on a command callback; use env"},
      {R"("on_failure": {"command": ["x"], "timeout": "2h"})",
       "t.json:2:83: error: task 'a': timeout must be more than 0 and at most 1h"},
      {R"("on_failure": {"command": ["x"], "timeout": "0s"})",
       "t.json:2:83: error: task 'a': timeout must be more than 0 and at most 1h"},
      {R"("on_failure": [{"command": ["x"]}, 3])",
       "t.json:2:74: error: task 'a': a callback must be an object with command, plugin or webhook, got 3"},
  };
  for (const Case& c : cases) {
    INFO(c.extra);
    CHECK(joined(errors_of(with_task(c.extra))) == c.expected + "\n");
  }
}

TEST_CASE("callbacks: a webhook URL is bounded, on_retry is a task's, default_args' refusals are its own") {
  const std::string long_url = "http://h/" + std::string(2100, 'a');
  CHECK(joined(errors_of(with_task(R"("on_failure": {"webhook": ")" + long_url + "\"}"))) ==
        "t.json:2:65: error: task 'a': webhook URL is 2109 bytes; at most 2048 are allowed\n");
  CHECK(joined(errors_of(R"({"dag_id": "d", "on_retry": {"command": ["x"]}, "tasks": [
{"task_id": "a", "command": ["true"]}]})")) ==
        "t.json:1:17: error: dag: on_retry is a task's: a run is not retried; give it in default_args for every "
        "task\n");
  CHECK(joined(errors_of(R"({"dag_id": "d", "default_args": {"on_failure": {"webhook": "file:///etc/passwd"}},
"tasks": [{"task_id": "a", "command": ["true"]}]})")) ==
        "t.json:1:60: error: default_args/on_failure: webhook URL must start with http:// or https://\n");
}

TEST_CASE("callbacks: untrusted DAG authors get no command or webhook callback, plugins as for tasks") {
  dagrun::test::TempHome home;
  TrustPolicy policy;
  policy.dag_authors = DagAuthors::untrusted;
  home.mkdir("installed");
  TrustRules rules = make_trust_rules(policy, home / "installed", home.path());
  rules.plugin_files = {{"noop", home / "installed/dagrun_noop.so"}, {"stray", home / "elsewhere/dagrun_stray.so"}};
  const std::vector<std::string> known{"noop", "stray"};
  LoadOptions options;
  options.home = home.path();
  options.known_plugins = &known;
  options.trust = &rules;
  const std::string text = R"({"dag_id": "d",
"on_failure": {"webhook": "http://169.254.169.254/x"},
"default_args": {"on_retry": {"command": ["sh", "-c", "id"]}},
"tasks": [
{"task_id": "a", "plugin": "noop", "on_failure": [{"plugin": "noop"}, {"plugin": "stray"}]},
{"task_id": "b", "plugin": "noop", "on_success": {"plugin": "noop", "env": {"LD_PRELOAD": "/x.so"}}}]})";
  LoadResult r = load_dag_text(text, "t.json", options);
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
  const std::string why = "; dag_authors is \"untrusted\" in HOME/dagrun.json\n";
  CHECK(home.shown(out) ==
        "t.json:2:27: error: dag: webhook callbacks are refused: the engine would POST to any address the DAG "
        "names; use a plugin callback the operator installed\n"
        "t.json:3:42: error: task 'a': command tasks are refused: a command runs as the engine's user" + why +
        "t.json:5:82: error: task 'a': plugin 'stray' would be loaded from HOME/elsewhere/dagrun_stray.so, outside "
        "the trusted plugin directories (HOME/installed)" + why +
        "t.json:6:91: error: task 'b': env 'LD_PRELOAD' is refused: it changes what code or files the task host "
        "loads as the engine's user" + why);
}

TEST_CASE("deadline: after a run's time, with on_deadline, and each wrong form refused") {
  const Dag dag = loaded(R"({"dag_id": "d", "deadline": {"after": "15m"}, "on_deadline": {"command": ["page"]},
    "tasks": [{"task_id": "a", "command": ["true"]}]})");
  REQUIRE(dag.deadline);
  CHECK(dag.deadline->from == DeadlineSpec::From::data_interval_end);
  CHECK(dag.deadline->after == std::chrono::minutes(15));
  CHECK(dag.callbacks.count(CallbackEvent::deadline) == 1);
  const Dag other = loaded(R"({"dag_id": "d", "deadline": {"from": "logical_date", "after": "1h"},
    "on_deadline": [{"webhook": "http://h/x"}], "tasks": [{"task_id": "a", "command": ["true"]}]})");
  CHECK(other.deadline->from == DeadlineSpec::From::logical_date);

  const std::string task = "\"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}";
  CHECK(joined(errors_of(R"({"dag_id": "d", "deadline": {"after": "15m"}, )" + task)) ==
        "t.json:1:29: error: dag: deadline has no on_deadline to set off\n");
  CHECK(joined(errors_of(R"({"dag_id": "d", "on_deadline": {"command": ["x"]}, )" + task)) ==
        "t.json:1:17: error: dag: on_deadline without a deadline: give deadline {\"after\": ...}\n");
  CHECK(joined(errors_of(R"({"dag_id": "d", "deadline": {"from": "start", "after": "0s", "at": 1}, "on_deadline": {"command": ["x"]}, )" + task)) ==
        "t.json:1:38: error: deadline: unknown deadline.from 'start'; expected data_interval_end, logical_date or "
        "queued_at\n"
        "t.json:1:56: error: deadline: deadline.after must be more than 0\n"
        "t.json:1:62: error: deadline: unknown key 'at' in deadline; it has after and from\n");
  CHECK(joined(errors_of(R"({"dag_id": "d", "deadline": "15m", "on_deadline": {"command": ["x"]}, )" + task)) ==
        "t.json:1:29: error: dag: deadline must be an object with after (and from), got string\n");
  // on_deadline is the run's: a task has no such key.
  CHECK(joined(errors_of(with_task(R"("on_deadline": {"command": ["x"]})"))) ==
        "t.json:2:39: error: task 'a': unknown key 'on_deadline'\n");
}
