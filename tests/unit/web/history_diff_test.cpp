// Events from the history's changes (web/history_diff) against a real SQLite
// history: nothing at the first look, then every new run, task state and try,
// once each, including a try that started and ended between two looks.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "store/store_test_support.h"
#include "web/history_diff.h"

using namespace dagrun;
using namespace dagrun::store_test;
using dagrun::web::HistoryDiff;
using dagrun::web::HistoryEvent;

namespace {

std::vector<std::string> kinds(const std::vector<HistoryEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::string k = e.type;
    if (e.data.contains("task_id")) k += ":" + e.data["task_id"].get<std::string>();
    if (e.data.contains("try_number") && e.type == "try") k += "#" + std::to_string(e.data["try_number"].get<int>());
    k += "=" + e.data["state"].get<std::string>();
    out.push_back(k);
  }
  return out;
}

TryRecord try_of(const char* run, const char* task, int n, TaskState s) { return make_try(run, task, n, s); }

}  // namespace

TEST_CASE("the first look reports nothing, later looks report each change once") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("dagrun.db"));
  const TimePoint now = at("2026-12-05T10:00:00.000Z");
  store->create_run(make_run("old", "d", at("2026-12-05T09:59:00.000Z")), {make_task("old", "t")});
  HistoryDiff diff;
  CHECK(diff.changes(*store, now).empty());
  CHECK(diff.changes(*store, now).empty());

  store->apply({RunUpdate{"old", RunState::running, now, {}, {}}, make_task("old", "t", TaskState::running, 1),
                try_of("old", "t", 1, TaskState::running)});
  using V = std::vector<std::string>;
  CHECK(kinds(diff.changes(*store, now)) == V{"try:t#1=running", "task:t=running", "run=running"});
  CHECK(diff.changes(*store, now).empty());

  // A failed try and its retry, started and ended between two looks.
  store->apply({try_of("old", "t", 1, TaskState::failed), try_of("old", "t", 2, TaskState::success),
                make_task("old", "t", TaskState::success, 2), RunUpdate{"old", RunState::success, {}, now, {}}});
  CHECK(kinds(diff.changes(*store, now)) == V{"try:t#1=failed", "try:t#2=success", "task:t=success", "run=success"});
  CHECK(diff.changes(*store, now).empty());
}

TEST_CASE("a run created and finished between two looks is reported whole") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("dagrun.db"));
  const TimePoint now = at("2026-12-05T10:00:00.000Z");
  HistoryDiff diff;
  diff.start_empty();
  store->create_run(make_run("quick", "d", now), {make_task("quick", "a"), make_task("quick", "b")});
  store->apply({try_of("quick", "a", 1, TaskState::failed), make_task("quick", "a", TaskState::failed, 1),
                make_task("quick", "b", TaskState::upstream_failed, 0),
                RunUpdate{"quick", RunState::failed, now, now, std::string("a failed")}});
  using V = std::vector<std::string>;
  CHECK(kinds(diff.changes(*store, now + std::chrono::seconds(1))) ==
        V{"try:a#1=failed", "task:a=failed", "task:b=upstream_failed", "run=failed"});
}

TEST_CASE("a finished run that is cleared is reported again, and old finished runs are let go") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("dagrun.db"));
  const TimePoint now = at("2026-12-05T10:00:00.000Z");
  auto run = make_run("r", "d", now);
  run.state = RunState::failed;
  store->create_run(run, {make_task("r", "t", TaskState::failed, 1)});
  HistoryDiff diff;
  diff.changes(*store, now);
  CHECK(diff.runs_watched() == 1);
  // Long after, the run is out of the look-back window: no longer watched.
  const TimePoint later = now + HistoryDiff::kLookBack + std::chrono::minutes(1);
  CHECK(diff.changes(*store, later).empty());
  CHECK(diff.runs_watched() == 0);
  store->clear_tasks("r", {"t"});
  const auto events = kinds(diff.changes(*store, later));
  CHECK(std::find(events.begin(), events.end(), "task:t=queued") != events.end());
  CHECK(std::find(events.begin(), events.end(), "run=queued") != events.end());
}
