// Mapped tasks run by the Runner: one try per item with the item in its
// templates and environment, the downstream pulling the instances' XComs as
// one list, an empty list, a list that cannot be had, a resumed run.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "runner_fixture.h"
#include "model/ids.h"
#include "model/limits.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace dagrun::runner_test;

namespace {

TaskDraft mapped(std::string id, nlohmann::json items, std::vector<std::string> up = {}) {
  TaskDraft t = task(std::move(id), std::move(up));
  auto source = std::make_shared<MapSource>();
  source->items = std::move(items);
  t.spec.expand = source;
  t.spec.action = CommandTask{{"echo", "{{ map_index }}:{{ map_item }}"}, {}};
  return t;
}

TaskDraft mapped_from(std::string id, std::string from) {
  TaskDraft t = task(std::move(id), {from});
  auto source = std::make_shared<MapSource>();
  source->from_xcom = true;
  source->xcom_task = 0;  // the tests put the source first
  t.spec.expand = source;
  return t;
}

std::string env_of(const TryRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.env)
    if (k == name) return v;
  return "(unset)";
}

}  // namespace

TEST_CASE("a mapped task runs one try per item, each with its item, and its downstream pulls their XComs") {
  std::mutex mu;
  std::map<std::string, std::string> argv, env_item;
  std::string pulled, pulled_other;
  Fixture f([&](const TryRequest& r, TrySink& sink, const CancelToken&) {
    const std::string& id = r.task->task_id;
    if (id == "after") {
      pulled = sink.xcom_pull("each", "return_value").value_or("missing");
      pulled_other = sink.xcom_pull("each", "nothing").value_or("missing");
      return ok();
    }
    std::lock_guard l(mu);
    argv[id] = r.task->command()->argv[1];
    env_item[id] = env_of(r, "DAGRUN_MAP_INDEX") + "|" + env_of(r, "DAGRUN_MAP_ITEM");
    if (id != "each[1]") CHECK(sink.xcom_push("return_value", "\"" + id + "\"").empty());
    return ok();
  });
  Dag dag = dag_of({mapped("each", nlohmann::json::parse(R"(["a", {"k": 1}, 3])")), task("after", {"each"})});
  RunRecord run = f.run(dag);
  CHECK(run.state == RunState::success);
  CHECK(argv == std::map<std::string, std::string>{{"each[0]", "0:a"}, {"each[1]", "1:{\"k\":1}"}, {"each[2]", "2:3"}});
  CHECK(env_item["each[1]"] == "1|{\"k\":1}");
  CHECK(env_item["each[0]"] == "0|a");
  CHECK(pulled == R"(["each[0]","each[2]"])");  // each[1] pushed nothing
  CHECK(pulled_other == "[]");
  // Every instance has its own task row and try; the mapped task has no try.
  std::set<std::string> tried;
  for (const TryRecord& t : f.recorder.final_tries()) tried.insert(t.task_id);
  CHECK(tried == std::set<std::string>{"after", "each[0]", "each[1]", "each[2]"});
  std::map<std::string, TaskState> last;
  for (const TaskInstanceRecord& t : f.recorder.tasks) last[t.task_id] = t.state;
  CHECK(last["each"] == TaskState::success);
  CHECK(last["each[2]"] == TaskState::success);
}

TEST_CASE("a mapped task over an upstream's XCom list: an empty list skips it, a missing or wrong one fails it") {
  std::string list = "[1, 2]";
  std::atomic<int> instances{0};
  Fixture f([&](const TryRequest& r, TrySink& sink, const CancelToken&) {
    if (r.task->task_id == "list") {
      if (list != "none") CHECK(sink.xcom_push("return_value", list).empty());
    } else if (r.task->task_id != "after") {
      ++instances;
    }
    return ok();
  });
  auto dag_with = [&] { return dag_of({task("list"), mapped_from("each", "list"), task("after", {"each"})}); };
  Dag two = dag_with();
  CHECK(f.run(two).state == RunState::success);
  CHECK(instances == 2);

  list = "[]";
  instances = 0;
  Dag empty = dag_with();
  f.recorder.tasks.clear();
  CHECK(f.run(empty).state == RunState::success);
  CHECK(instances == 0);
  std::map<std::string, TaskState> last;
  for (const TaskInstanceRecord& t : f.recorder.tasks) last[t.task_id] = t.state;
  CHECK(last["each"] == TaskState::skipped);
  CHECK(last["after"] == TaskState::skipped);

  for (const auto& [value, why] : std::vector<std::pair<std::string, std::string>>{
           {"none", "was never pushed"}, {"{\"a\": 1}", "is an object, not a list"}, {"\"x\"", "is a string, not a list"}}) {
    list = value;
    f.recorder.tries.clear();
    Dag dag = dag_with();
    RunRecord run = f.run(dag);
    CHECK(run.state == RunState::failed);
    CHECK_MESSAGE(run.reason.find("task 'each' failed: expand: the XCom 'return_value' of task 'list' " + why) !=
                      std::string::npos,
                  run.reason);
    auto failed = std::find_if(f.recorder.tries.begin(), f.recorder.tries.end(),
                               [](const TryRecord& t) { return t.task_id == "each"; });
    REQUIRE(failed != f.recorder.tries.end());
    CHECK(failed->state == TaskState::failed);
    CHECK(failed->try_number == 1);
  }
}

TEST_CASE("a list longer than the limit fails the mapped task with its count") {
  std::string big = "[";
  for (size_t i = 0; i <= limits::kMaxMapLength; ++i) big += (i ? ",0" : "0");
  big += "]";
  Fixture f([&](const TryRequest& r, TrySink& sink, const CancelToken&) {
    if (r.task->task_id == "list") CHECK(sink.xcom_push("return_value", big).empty());
    return ok();
  });
  Dag dag = dag_of({task("list"), mapped_from("each", "list")});
  RunRecord run = f.run(dag);
  CHECK(run.state == RunState::failed);
  CHECK(run.reason.find("has 10001 items; a mapped task has at most 10000 instances") != std::string::npos);
}

TEST_CASE("instances retry on their own and respect max_active_tasks") {
  std::mutex mu;
  std::map<std::string, int> tries;
  Fixture f([&](const TryRequest& r, TrySink&, const CancelToken&) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard l(mu);
    const int n = ++tries[r.task->task_id];
    return r.task->task_id == "each[3]" && n == 1 ? fail("first try of 3") : ok();
  });
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < 12; ++i) items.push_back(i);
  TaskDraft each = mapped("each", items);
  each.spec.retries = 1;
  Dag dag = dag_of({each});
  CHECK(f.run(dag, 3).state == RunState::success);
  CHECK(f.executor->max_running <= 3);
  CHECK(f.executor->max_running >= 2);  // more worker threads than the DAG has tasks
  CHECK(tries.size() == 12);
  CHECK(tries["each[3]"] == 2);
  CHECK(tries["each[4]"] == 1);
}
