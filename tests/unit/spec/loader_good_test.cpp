// What a valid file becomes: every key read, defaults from default_args applied.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"
#include "spec/loader.h"
#include "load_helpers.h"
#include "task_support.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;

namespace {

Dag load_ok(std::string_view text) {
  LoadResult r = load_dag_text(text, "t.json", test::options_with_plugins());
  INFO(test::joined([&] {
    std::vector<std::string> lines;
    for (const auto& d : r.diagnostics) lines.push_back(d.to_string());
    return lines;
  }()));
  REQUIRE(r.ok());
  return std::move(*r.dag);
}

const TaskSpec& task(const Dag& dag, std::string_view id) {
  int i = dag.index_of(id);
  REQUIRE(i >= 0);
  return dag.tasks[static_cast<size_t>(i)];
}

}  // namespace

TEST_CASE("the example DAG loads with every key in place") {
  LoadResult r = load_dag_file(DAGRUN_TEST_DATA_DIR "/good/example_etl.json", {});
  REQUIRE(r.ok());
  const Dag& dag = *r.dag;
  CHECK(dag.dag_id == "example_etl");
  CHECK(dag.description == "three steps");
  REQUIRE(dag.schedule);
  CHECK(dag.schedule->text() == "*/10 * * * *");
  CHECK(format_iso8601(*dag.start_date) == "2025-10-19T00:00:00.000Z");
  CHECK_FALSE(dag.end_date);
  CHECK_FALSE(dag.catchup);
  CHECK(dag.max_active_tasks == 4);
  CHECK(dag.max_active_runs == 16);
  CHECK(dag.tags == std::vector<std::string>{"example"});
  REQUIRE(dag.tasks.size() == 3);

  const TaskSpec& extract = dag.tasks[0];
  CHECK(extract.task_id == "extract");
  CHECK(extract.kind() == TaskKind::command);
  CHECK(argv_of(extract) == std::vector<std::string>{"sh", "-c", "echo extracting"});
  CHECK(extract.upstream.empty());
  CHECK(extract.retries == 1);           // default_args
  CHECK(extract.retry_delay == 1min);    // default_args

  const TaskSpec& transform = dag.tasks[1];
  CHECK(transform.kind() == TaskKind::plugin);
  CHECK(plugin_of(transform) == "noop");
  CHECK(*transform.params == nlohmann::json{{"x", 1}});
  CHECK(dag.upstream_ids(transform) == std::vector<std::string>{"extract"});
  CHECK(transform.upstream == std::vector<std::uint32_t>{0});  // resolved to indices

  const TaskSpec& load = dag.tasks[2];
  CHECK(load.retries == 3);  // its own beats default_args
  CHECK(load.retry_delay == 1min);
  CHECK(load.retry_exponential_backoff);
  CHECK(load.max_retry_delay == std::optional<Duration>(10min));
  CHECK(load.execution_timeout == std::optional<Duration>(30s));
  CHECK(load.trigger_rule == TriggerRule::all_success);
  CHECK(dag.index_of("load") == 2);
  CHECK(dag.index_of("nope") == -1);
}

TEST_CASE("default_args apply wherever they appear in the file") {
  LoadResult r = load_dag_file(DAGRUN_TEST_DATA_DIR "/good/defaults.json", test::options_with_plugins());
  REQUIRE(r.ok());
  const Dag& dag = *r.dag;
  CHECK_FALSE(dag.schedule);  // null: triggered by hand only
  CHECK(dag.max_active_runs == 2);
  CHECK(*dag.params == nlohmann::json{{"region", "eu"}});

  const TaskSpec& plain = task(dag, "plain");
  CHECK(plain.retries == 2);
  CHECK(plain.retry_delay == 90s);
  CHECK(plain.execution_timeout == std::optional<Duration>(90min));
  CHECK(plain.trigger_rule == TriggerRule::all_done);
  CHECK(plain.env == std::vector<std::pair<std::string, std::string>>{{"STAGE", "test"}, {"ZONE", "a"}});
  // Defaults without an effect on a command leave it alone; cpu_limit has one.
  CHECK(isolation_of(plain) == Isolation::process);
  CHECK_FALSE(memory_limit_of(plain));
  CHECK(cpu_limit_of(plain) == std::optional<Duration>(10s));

  const TaskSpec& own = task(dag, "own_retries");
  CHECK(own.retries == 5);
  CHECK(own.env == std::vector<std::pair<std::string, std::string>>{{"MODE", "fast"}});  // replaced, not merged

  // in_process from default_args: the limits default_args gives have no effect on it.
  const TaskSpec& plugin = task(dag, "plugin_task");
  CHECK(isolation_of(plugin) == Isolation::in_process);
  CHECK_FALSE(memory_limit_of(plugin));
  CHECK_FALSE(cpu_limit_of(plugin));
  CHECK(plugin.execution_timeout == std::optional<Duration>(90min));
  CHECK(*plugin.params == nlohmann::json{{"region", "eu"}, {"n", 3}});  // the DAG's params, then its own
  CHECK(dag.upstream_ids(plugin) == std::vector<std::string>{"plain", "own_retries"});

  const TaskSpec& limited = task(dag, "limited");
  CHECK(isolation_of(limited) == Isolation::process);
  CHECK(memory_limit_of(limited) == std::optional<std::uint64_t>(256ull * 1024 * 1024));
  CHECK(cpu_limit_of(limited) == std::optional<Duration>(2500ms));
}

TEST_CASE("a task without settings gets Airflow's defaults") {
  Dag dag = load_ok(R"({"dag_id": "d", "tasks": [{"task_id": "a", "command": ["true"]}]})");
  CHECK_FALSE(dag.catchup);
  CHECK(dag.max_active_runs == 16);
  CHECK(dag.max_active_tasks == 0);  // the number of cores, decided at run time
  CHECK(dag.params->is_null());
  const TaskSpec& a = dag.tasks[0];
  CHECK(a.retries == 0);
  CHECK(a.retry_delay == 5min);
  CHECK_FALSE(a.retry_exponential_backoff);
  CHECK_FALSE(a.max_retry_delay);
  CHECK_FALSE(a.execution_timeout);
  CHECK(a.trigger_rule == TriggerRule::all_success);
  CHECK(isolation_of(a) == Isolation::process);
  CHECK(a.params->is_null());
  CHECK(a.env.empty());
}

TEST_CASE("null on a task clears a limit that default_args sets") {
  Dag dag = load_ok(R"({"dag_id": "d", "default_args": {"execution_timeout": "1h", "memory_limit": "1GiB"},
    "tasks": [{"task_id": "a", "plugin": "noop", "execution_timeout": null, "memory_limit": null},
              {"task_id": "b", "plugin": "noop"}]})");
  CHECK_FALSE(dag.tasks[0].execution_timeout);
  CHECK_FALSE(memory_limit_of(dag.tasks[0]));
  CHECK(dag.tasks[1].execution_timeout == std::optional<Duration>(1h));
  CHECK(memory_limit_of(dag.tasks[1]) == std::optional<std::uint64_t>(1ull << 30));
}

TEST_CASE("env keeps file order and tasks may list later tasks upstream") {
  Dag dag = load_ok(R"({"dag_id": "d", "tasks": [
    {"task_id": "b", "command": ["true"], "upstream": ["a"], "env": {"Z": "1", "A": "2", "M": ""}},
    {"task_id": "a", "command": ["true"]}]})");
  CHECK(dag.tasks[0].env ==
        std::vector<std::pair<std::string, std::string>>{{"Z", "1"}, {"A", "2"}, {"M", ""}});
  CHECK(dag.upstream_ids(dag.tasks[0]) == std::vector<std::string>{"a"});
  CHECK(dag.tasks[0].upstream == std::vector<std::uint32_t>{1});
}

TEST_CASE("dates, presets and the remaining DAG keys are read") {
  Dag dag = load_ok(R"({"dag_id": "d.v-2_x", "schedule": "@weekly", "catchup": true,
    "start_date": "2025-01-01", "end_date": "2025-12-31T23:59:59+01:00",
    "max_active_tasks": 8, "params": [1, 2], "tags": [],
    "tasks": [{"task_id": "a", "command": ["true"], "retry_delay": 0.25, "trigger_rule": "always",
               "retry_exponential_backoff": false, "max_retry_delay": "2h"}]})");
  CHECK(dag.dag_id == "d.v-2_x");
  REQUIRE(dag.schedule);
  CHECK(dag.schedule->text() == "@weekly");
  CHECK(dag.catchup);
  CHECK(format_iso8601(*dag.end_date) == "2025-12-31T22:59:59.000Z");
  CHECK(dag.max_active_tasks == 8);
  CHECK(*dag.params == nlohmann::json::array({1, 2}));
  CHECK(dag.tasks[0].retry_delay == 250ms);
  CHECK(dag.tasks[0].trigger_rule == TriggerRule::always);
  CHECK(dag.tasks[0].max_retry_delay == std::optional<Duration>(2h));
}

TEST_CASE("DAG params reach every task, a task's own params win key by key") {
  Dag dag = load_ok(R"({
    "dag_id": "p",
    "params": {"env_file": ".env", "data_dir": "news", "display": 20},
    "tasks": [
      {"task_id": "plain", "command": ["true"]},
      {"task_id": "own", "command": ["true"], "params": {"display": 5, "extra": true}},
      {"task_id": "list", "command": ["true"], "params": [1, 2]}
    ]
  })");
  CHECK(*task(dag, "plain").params == nlohmann::json{{"env_file", ".env"}, {"data_dir", "news"}, {"display", 20}});
  CHECK(*task(dag, "own").params ==
        nlohmann::json{{"env_file", ".env"}, {"data_dir", "news"}, {"display", 5}, {"extra", true}});
  CHECK(*task(dag, "list").params == nlohmann::json::array({1, 2}));
  CHECK((*dag.params)["display"] == 20);
}
