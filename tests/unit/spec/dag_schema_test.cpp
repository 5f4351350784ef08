// The DAG schema is written from the loader's key tables: every key the loader
// reads is in it with a description, the integer ranges are the ones the
// loader reads within, and default_args holds exactly the keys it may give.
// (e2e.schema checks it with a real validator against the loader's verdicts.)
#include <doctest/doctest.h>

#include <string>

#include "load_helpers.h"
#include "spec/dag_keys.h"
#include "spec/dag_schema.h"
#include "spec/loader.h"
#include "spec/task_keys.h"

using namespace dagrun;

namespace {

std::string retries_dag(long long n) {
  return R"({"dag_id": "d", "tasks": [{"task_id": "a", "command": ["true"], "retries": )" + std::to_string(n) + "}]}";
}

}  // namespace

TEST_CASE("the schema has every DAG key but on_retry, each with a description") {
  const auto schema = dag_schema();
  const auto& props = schema.at("properties");
  for (size_t i = 0; i < kDagKeyCount; ++i) {
    const auto key = static_cast<DagKey>(i);
    const std::string name(dag_key_name(key));
    CAPTURE(name);
    if (key == DagKey::on_retry) {
      CHECK_FALSE(props.contains(name));
      continue;
    }
    REQUIRE(props.contains(name));
    CHECK_FALSE(props.at(name).at("description").get<std::string>().empty());
  }
  CHECK(schema.at("required") == nlohmann::ordered_json({"dag_id", "tasks"}));
  CHECK(schema.at("additionalProperties") == false);
}

TEST_CASE("the schema has every task key, and default_args only those it may give") {
  const auto schema = dag_schema();
  const auto& task = schema.at("$defs").at("task").at("properties");
  const auto& defaults = schema.at("$defs").at("default_args").at("properties");
  CHECK(task.size() == kTaskKeyCount);
  for (size_t i = 0; i < kTaskKeyCount; ++i) {
    const auto key = static_cast<TaskKey>(i);
    const std::string name(task_key_name(key));
    CAPTURE(name);
    REQUIRE(task.contains(name));
    CHECK(defaults.contains(name) == has_default(key));
  }
  CHECK_FALSE(defaults.contains("task_id"));
  CHECK_FALSE(defaults.contains("expand"));
  CHECK(defaults.contains("container"));
}

TEST_CASE("an integer key's range in the schema is the one the loader reads it within") {
  const auto schema = dag_schema();
  const auto& retries = schema.at("$defs").at("task").at("properties").at("retries");
  const long long max = retries.at("maximum").get<long long>();
  CHECK(max == task_key_doc(TaskKey::retries).max);
  CHECK(test::errors_of(retries_dag(max)).empty());
  CHECK_FALSE(test::errors_of(retries_dag(max + 1)).empty());
  CHECK_FALSE(test::errors_of(retries_dag(retries.at("minimum").get<long long>() - 1)).empty());
}

TEST_CASE("the loader accepts a $schema string and refuses any other $schema") {
  CHECK(test::errors_of(R"({"$schema": "../docs/dag.schema.json", "dag_id": "d",
      "tasks": [{"task_id": "a", "command": ["true"]}]})").empty());
  CHECK_FALSE(test::errors_of(R"({"$schema": 1, "dag_id": "d",
      "tasks": [{"task_id": "a", "command": ["true"]}]})").empty());
}
