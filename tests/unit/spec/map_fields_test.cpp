// A task's expand key (mapped tasks): the forms that load, and each refusal
// at its place, naming the task and the field.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "load_helpers.h"
#include "model/ids.h"
#include "model/limits.h"
#include "run/task_map.h"

using namespace dagrun;
using dagrun::test::errors_of;
using dagrun::test::joined;

namespace {

std::string errors(const std::string& tasks) {
  return joined(errors_of(R"({"dag_id": "m", "tasks": [)" + tasks + "]}"));
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("expand: a list as written, or an upstream task's XCom, by key") {
  LoadResult r = load_dag_text(R"({"dag_id": "m", "tasks": [
      {"task_id": "list", "command": ["true"]},
      {"task_id": "each", "command": ["echo", "{{ map_index }}", "{{ map_item }}"], "expand": ["a", {"b": 1}, 3]},
      {"task_id": "pulled", "command": ["echo", "{{ map_item.name }}"], "upstream": ["list"],
       "expand": {"xcom": "list", "key": "files"}},
      {"task_id": "plain", "command": ["true"], "upstream": ["list"], "expand": {"xcom": "list"}}]})",
                               "t.json", dagrun::test::options_with_plugins());
  REQUIRE(r.dag);
  const Dag& dag = *r.dag;
  CHECK_FALSE(dag.tasks[0].expand);
  REQUIRE(dag.tasks[1].expand);
  CHECK_FALSE(dag.tasks[1].expand->from_xcom);
  CHECK(*dag.tasks[1].expand->items == nlohmann::json::parse(R"(["a", {"b": 1}, 3])"));
  REQUIRE(dag.tasks[2].expand);
  CHECK(dag.tasks[2].expand->from_xcom);
  CHECK(dag.tasks[2].expand->xcom_task == 0);
  CHECK(dag.tasks[2].expand->xcom_key == "files");
  CHECK(dag.tasks[3].expand->xcom_key == "return_value");
}

TEST_CASE("expand: each wrong form is refused at its place, naming the task") {
  CHECK(has(errors(R"({"task_id": "a", "command": ["true"], "expand": "x"})"),
            "t.json:1:75: error: task 'a': expand must be a list of items or {\"xcom\": TASK_ID}, got string"));
  const std::string xcom = errors(R"({"task_id": "up", "command": ["true"]},
      {"task_id": "a", "command": ["true"], "expand": {"xcom": "up"}},
      {"task_id": "b", "command": ["true"], "expand": {"xcom": "nope"}},
      {"task_id": "c", "command": ["true"], "upstream": ["up"], "expand": {"xcom": "../up", "key": 7, "size": 2}},
      {"task_id": "d", "command": ["true"], "upstream": ["up"], "expand": {"key": "k"}})");
  CHECK(has(xcom, "task 'a': expand.xcom 'up' is not one of the task's upstream tasks: list it in upstream"));
  CHECK(has(xcom, "task 'b': expand.xcom 'nope' is not a task of this DAG"));
  CHECK(has(xcom, "task 'c': expand.xcom '../up' may contain only letters"));
  CHECK(has(xcom, "task 'c': expand.key must be a string, got 7"));
  CHECK(has(xcom, "task 'c': unknown key 'size' in expand"));
  CHECK(has(xcom, "task 'd': expand needs \"xcom\""));
  CHECK(has(errors(R"({"task_id": "a", "command": ["true"], "expand": {"xcom": "a"}})"),
            "task 'a': expand.xcom 'a' is not one of the task's upstream tasks"));
  // default_args cannot map every task.
  CHECK(has(joined(errors_of(R"({"dag_id": "m", "default_args": {"expand": [1]}, "tasks": [{"task_id": "a", "command": ["true"]}]})")),
            "'expand' cannot be set in default_args: it maps one task"));
}

TEST_CASE("expand: at most kMaxMapLength items written") {
  std::string items;
  for (size_t i = 0; i <= limits::kMaxMapLength; ++i) items += (i ? "," : "") + std::to_string(i);
  CHECK(has(errors(R"({"task_id": "a", "command": ["true"], "expand": [)" + items + "]}"),
            "task 'a': expand lists 10001 items; a mapped task has at most 10000 instances"));
  items.resize(items.rfind(','));
  CHECK(errors(R"({"task_id": "a", "command": ["true"], "expand": [)" + items + "]}").empty());
}

TEST_CASE("expand: map_index and map_item only in a mapped task's templates") {
  const std::string e = errors(R"({"task_id": "a", "command": ["echo", "{{ map_index }}", "{{ map_item.x }}"], "env": {"I": "{{ map_item }}"}})");
  CHECK(has(e, "template 'map_index' is for a mapped task's instances: the task has no expand"));
  CHECK(has(e, "template 'map_item.x' is for a mapped task's instances: the task has no expand"));
  CHECK(has(e, "template 'map_item' is for a mapped task's instances: the task has no expand"));
  CHECK(has(errors(R"({"task_id": "a", "command": ["echo", "{{ map_itme }}"], "expand": [1]})"),
            "unknown template name 'map_itme' (did you mean 'map_item'?)"));
}

TEST_CASE("mapped task ids: task_id[index], and nothing else parses as one") {
  CHECK(mapped_task_id("each", 12) == "each[12]");
  auto m = parse_mapped_task_id("each[12]");
  REQUIRE(m);
  CHECK(m->task_id == "each");
  CHECK(m->index == 12);
  CHECK(parse_mapped_task_id("each[0]"));
  for (const char* bad : {"each", "each[]", "[1]", "each[01]", "each[-1]", "each[1x]", "each[10000]",
                          "each[1234567890]", "../x[1]", "a b[1]", "each[1]]", "each[[1]"})
    CHECK_MESSAGE(!parse_mapped_task_id(bad), bad);
  CHECK_FALSE(id_problem(IdKind::task_instance, "each[3]"));
  CHECK_FALSE(id_problem(IdKind::task_instance, "each"));
  CHECK(id_problem(IdKind::task_instance, "each[x]"));
  CHECK(id_problem(IdKind::task, "each[3]"));  // never a task's own id
  CHECK(id_file_name("each[3]") == "each[3]");
}

TEST_CASE("a mapped task's XCom pulled is the list of its instances' values, in index order") {
  const std::vector<XComEntry> entries{{"each[10]", "return_value", "\"k\""},
                                       {"each[2]", "return_value", "{\"a\": 1}"},
                                       {"each[2]", "other", "0"},
                                       {"each", "return_value", "\"not an instance\""},
                                       {"eachx[1]", "return_value", "1"},
                                       {"each[0]", "return_value", "null"}};
  CHECK(gather_mapped_xcom("each", "return_value", entries) == "[null,{\"a\": 1},\"k\"]");
  CHECK(gather_mapped_xcom("each", "other", entries) == "[0]");
  CHECK(gather_mapped_xcom("each", "none", entries) == "[]");
}
