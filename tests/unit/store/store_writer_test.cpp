#include "null_store.h"
#include "store/store_writer.h"

#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>

#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

// Records every batch; its first apply() blocks until released, so a test
// can queue changes while a commit is in progress.
class GatedStore final : public testing::NullStore {
 public:
  void apply(const std::vector<StoreChange>& changes) override {
    std::unique_lock lock(mu_);
    batches_.push_back(changes);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }

  void wait_until_entered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::vector<StoreChange>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  std::vector<std::vector<StoreChange>> batches_;
};

std::string task_of(const StoreChange& c) { return std::get<TaskInstanceRecord>(c).task_id; }

}  // namespace

TEST_CASE("the store writer commits what queued up during a commit as one batch, in order") {
  GatedStore store;
  StoreWriter writer(store);
  writer.task_updated(make_task("r", "t0"));
  store.wait_until_entered();  // t0's commit is now in progress and blocked
  for (int i = 1; i <= 99; ++i) writer.task_updated(make_task("r", "t" + std::to_string(i)));
  store.release();
  writer.flush();

  auto batches = store.batches();
  REQUIRE(batches.size() == 2);
  CHECK(writer.batches() == 2);
  REQUIRE(batches[0].size() == 1);
  CHECK(task_of(batches[0][0]) == "t0");
  REQUIRE(batches[1].size() == 99);
  for (int i = 1; i <= 99; ++i)
    CHECK(task_of(batches[1][size_t(i - 1)]) == "t" + std::to_string(i));
}

TEST_CASE("the store writer records every change of a run, the last one winning") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("dagrun.db"));
  const int n = 2000;
  std::vector<TaskInstanceRecord> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(make_task("r", "task" + std::to_string(i)));
  auto run = make_run("r", "big", at("2026-03-01T10:00:00.000Z"));
  store->create_run(run, tasks);

  StoreWriter writer(*store);
  run.state = RunState::running;
  run.start_date = at("2026-03-01T10:00:01.000Z");
  writer.run_updated(run);
  for (const auto& queued : tasks) {
    auto t = queued;
    t.state = TaskState::running;
    t.try_number = 1;
    writer.task_updated(t);
    auto attempt = make_try("r", t.task_id, 1, TaskState::running);
    writer.try_updated(attempt);
    attempt.state = TaskState::success;
    attempt.exit_code = 0;
    writer.try_updated(attempt);
    writer.xcom_pushed(XComRecord{"r", t.task_id, "return_value", "\"" + t.task_id + "\""});
    t.state = TaskState::success;
    writer.task_updated(t);
  }
  run.state = RunState::success;
  run.end_date = at("2026-03-01T10:00:09.000Z");
  writer.run_updated(run);
  writer.flush();

  auto got = store->get_run("r");
  CHECK(got->state == RunState::success);
  CHECK(format_iso8601(*got->start_date) == "2026-03-01T10:00:01.000Z");
  CHECK(format_iso8601(*got->end_date) == "2026-03-01T10:00:09.000Z");
  int succeeded = 0;
  for (const auto& t : store->list_task_instances("r")) succeeded += t.state == TaskState::success;
  CHECK(succeeded == n);
  int tries_ok = 0;
  for (const auto& t : store->list_tries("r"))
    tries_ok += t.state == TaskState::success && t.exit_code == 0;
  CHECK(tries_ok == n);
  CHECK(store->get_xcom("r", "task1999", "return_value") == "\"task1999\"");
  CHECK(writer.batches() >= 1);
}

TEST_CASE("flush reports a failed batch once and the writer keeps writing later batches") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  auto store = open_sqlite_store(file);
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  StoreWriter writer(*store);

  writer.try_updated(make_try("ghost", "t", 1, TaskState::running));
  CHECK_THROWS_WITH_AS(writer.flush(),
                       (file + ": cannot record try 1 of task 't' of run 'ghost': "
                               "FOREIGN KEY constraint failed")
                           .c_str(),
                       StoreError);
  writer.task_updated(make_task("r", "t", TaskState::success, 1));
  CHECK_NOTHROW(writer.flush());
  CHECK(store->list_task_instances("r")[0].state == TaskState::success);
}

TEST_CASE("destroying the store writer commits what is still queued") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("dagrun.db"));
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  {
    StoreWriter writer(*store);
    for (int i = 1; i <= 50; ++i) writer.try_updated(make_try("r", "t", i, TaskState::failed));
  }
  auto tries = store->list_tries("r");
  REQUIRE(tries.size() == 50);
  CHECK(tries.back().try_number == 50);
}
