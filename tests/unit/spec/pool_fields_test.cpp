// Pools as the operator declares them (dagrun.json) and as tasks name them:
// the forms that load, and each refusal at its place.
#include <doctest/doctest.h>

#include "container_test_home.h"
#include "load_helpers.h"
#include "spec/engine_config.h"

using namespace dagrun;
using dagrun::test::joined;
using dagrun::test::TempHome;

namespace {

std::string config_errors(const std::string& text) {
  TempHome home;
  EngineConfigResult r = parse_engine_config(text, "c.json", home.path());
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
  return home.shown(out);
}

const std::vector<PoolSpec> kPools{{"api", 2, "the API"}, {"warehouse", 8, ""}, {"closed", 0, ""}};

LoadOptions with_pools() {
  LoadOptions o = dagrun::test::options_with_plugins();
  o.pools = &kPools;
  return o;
}

std::string dag_errors(const std::string& text) { return joined(dagrun::test::errors_of(text, with_pools())); }

}  // namespace

TEST_CASE("pools: dagrun.json declares them by name with slots and a description") {
  TempHome home;
  EngineConfigResult r = parse_engine_config(
      R"({"pools": [{"name": "api", "slots": 2, "description": "Naver"}, {"slots": 0, "name": "off"}]})", "c.json",
      home.path());
  REQUIRE(r.ok());
  REQUIRE(r.config->pools.size() == 2);
  CHECK(r.config->pools[0].name == "api");
  CHECK(r.config->pools[0].slots == 2);
  CHECK(r.config->pools[0].description == "Naver");
  CHECK(r.config->pools[1].slots == 0);
  CHECK(find_pool(r.config->pools, "off") == &r.config->pools[1]);
  CHECK(find_pool(r.config->pools, "none") == nullptr);
}

TEST_CASE("pools: each wrong declaration is refused at its place") {
  CHECK(config_errors(R"({"pools": {"api": 2}})") ==
        "c.json:1:11: error: config: pools must be a list of {\"name\", \"slots\"} objects, got object\n");
  CHECK(config_errors(R"({"pools": [{"name": "api"}, {"name": "api", "slots": 1}, {"name": "api", "slots": 1}]})") ==
        "c.json:1:12: error: config: pools[0] has no slots\n"
        "c.json:1:67: error: config: pool 'api' is declared twice\n");
  CHECK(config_errors(R"({"pools": [{"name": "a b", "slots": -1, "size": 3}, 7]})") ==
        "c.json:1:21: error: config: pool name 'a b' is not valid: 'a b' may contain only letters, digits, '_', '-' "
        "and '.'\n"
        "c.json:1:37: error: config: slots must be a whole number from 0 to 100000, got -1\n"
        "c.json:1:41: error: config: unknown key 'size' in a pool\n"
        "c.json:1:53: error: config: pools[1] must be an object with name and slots, got 7\n");
  CHECK(config_errors(R"({"pools": [{"name": "a", "slots": 100001}, {"name": "b", "slots": 1.5}]})") ==
        "c.json:1:35: error: config: slots must be a whole number from 0 to 100000, got 100001\n"
        "c.json:1:67: error: config: slots must be a whole number from 0 to 100000, got 1.5\n");
  CHECK(config_errors(R"({"pool": []})") == "c.json:1:2: error: config: unknown key 'pool' (did you mean 'pools'?)\n");
  std::string many = R"({"pools": [)";
  for (int i = 0; i <= 1000; ++i) many += (i ? "," : "") + std::string(R"({"name": "p)") + std::to_string(i) + R"(", "slots": 1})";
  CHECK(config_errors(many + "]}") == "c.json:1:11: error: config: pools lists 1001 pools; at most 1000 are allowed\n");
}

TEST_CASE("pools: a task names a declared pool, its slots and priority, also through default_args") {
  LoadResult r = load_dag_text(R"({"dag_id": "d", "default_args": {"pool": "api", "priority_weight": 3},
    "tasks": [{"task_id": "a", "command": ["true"]},
              {"task_id": "b", "command": ["true"], "pool": "warehouse", "pool_slots": 8, "priority_weight": -2},
              {"task_id": "c", "command": ["true"], "pool": "closed", "pool_slots": 5}]})",
                               "t.json", with_pools());
  REQUIRE(r.ok());
  const Dag& dag = *r.dag;
  CHECK(dag.tasks[0].pool == "api");
  CHECK(dag.tasks[0].pool_slots == 1);
  CHECK(dag.tasks[0].priority_weight == 3);
  CHECK(dag.tasks[1].pool == "warehouse");
  CHECK(dag.tasks[1].pool_slots == 8);
  CHECK(dag.tasks[1].priority_weight == -2);
  CHECK(dag.tasks[2].pool_slots == 5);  // a closed pool is not too small
  // Without the configuration's list (a DAG checked on its own) any valid name goes.
  LoadResult loose = load_dag_text(R"({"dag_id": "d", "tasks": [{"task_id": "a", "command": ["true"], "pool": "x"}]})",
                                   "t.json", dagrun::test::options_with_plugins());
  CHECK(loose.ok());
}

TEST_CASE("pools: an unknown pool, a bad name, slots out of range or more than the pool has are refused") {
  const std::string head = "{\"dag_id\": \"d\", \"tasks\": [\n";
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "pool": "apj"}]})") ==
        "t.json:2:47: error: task 'a': unknown pool 'apj' (did you mean 'api'?); pools are declared in the home's "
        "dagrun.json (docs/pools.md)\n");
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "pool": "../x"}]})") ==
        "t.json:2:47: error: task 'a': pool name '../x' is not valid: '../x' may contain only letters, digits, '_', '-' "
        "and '.'\n");
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "pool": "api", "pool_slots": 0}]})") ==
        "t.json:2:68: error: task 'a': pool_slots must be a positive integer, got 0\n");
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "pool": "api", "pool_slots": 3}]})") ==
        "t.json:2:68: error: task 'a': pool_slots 3 is more than pool 'api' has (2): its tries could never start\n");
  CHECK(dag_errors("{\"dag_id\": \"d\", \"default_args\": {\"pool_slots\": 3},\n" +
                   std::string(R"("tasks": [{"task_id": "a", "command": ["true"], "pool": "api"}]})")) ==
        "t.json:1:48: error: task 'a': pool_slots 3 is more than pool 'api' has (2): its tries could never start\n");
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "priority_weight": 1000001}]})") ==
        "t.json:2:58: error: task 'a': priority_weight must be a whole number from -1000000 to 1000000, got 1000001\n");
  CHECK(dag_errors(head + R"({"task_id": "a", "command": ["true"], "priority_weight": "high"}]})") ==
        "t.json:2:58: error: task 'a': priority_weight must be a whole number from -1000000 to 1000000, got string\n");
}
