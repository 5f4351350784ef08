#include "null_store.h"
#include "run/store_writer.h"

#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "gated_store.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using std::chrono::milliseconds;

namespace {

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

TEST_CASE("a change that cannot be recorded stops the history there: flush gives up, nothing later lands") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  auto store = open_sqlite_store(file);
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  StoreWriterOptions options;
  options.first_backoff = milliseconds(1);
  options.stall_limit = milliseconds(50);
  StoreWriter writer(*store, options);

  writer.try_updated(make_try("ghost", "t", 1, TaskState::running));
  writer.task_updated(make_task("r", "t", TaskState::success, 1));
  CHECK_THROWS_WITH_AS(writer.flush(),
                       (file + ": cannot record try 1 of task 't' of run 'ghost': "
                               "FOREIGN KEY constraint failed; the history ends at the last committed change"
                               " (2 changes not recorded)")
                           .c_str(),
                       StoreError);
  // The later change was not applied past the failed one.
  CHECK(store->list_task_instances("r")[0].state == TaskState::queued);
  CHECK(writer.stalled());
}

namespace {

// Fails the first `failures` apply() calls with an error naming a database,
// then records the batches it is given. Every call is logged.
class FlakyStore final : public testing::NullStore {
 public:
  explicit FlakyStore(int failures) : failures_(failures) {}

  void apply(const std::vector<StoreChange>& changes) override {
    std::unique_lock lock(mu_);
    attempts_.push_back(changes);
    cv_.notify_all();
    if (failures_ < 0 || static_cast<int>(attempts_.size()) <= failures_)
      throw StoreError("/x/dagrun.db: cannot record run history: database or disk is full");
    committed_.push_back(changes);
  }

  void fail_forever() {
    std::lock_guard lock(mu_);
    failures_ = -1;
  }
  void wait_for_attempts(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return attempts_.size() >= n; });
  }
  std::vector<std::vector<StoreChange>> attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  std::vector<std::vector<StoreChange>> committed() {
    std::lock_guard lock(mu_);
    return committed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int failures_;
  std::vector<std::vector<StoreChange>> attempts_;
  std::vector<std::vector<StoreChange>> committed_;
};

std::vector<std::string> tasks_of(const std::vector<std::vector<StoreChange>>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches)
    for (const auto& c : b) out.push_back(task_of(c));
  return out;
}

}  // namespace

TEST_CASE("a batch that fails is tried again as it was, and later changes wait behind it") {
  FlakyStore store(3);
  StoreWriterOptions options;
  options.first_backoff = milliseconds(1);
  StoreWriter writer(store, options);
  writer.task_updated(make_task("r", "t0"));
  store.wait_for_attempts(1);  // t0's batch failed once: the rest queues behind it
  for (int i = 1; i <= 9; ++i) writer.task_updated(make_task("r", "t" + std::to_string(i)));
  writer.flush();

  auto attempts = store.attempts();
  REQUIRE(attempts.size() >= 5);
  for (int i = 0; i < 4; ++i) CHECK(tasks_of({attempts[size_t(i)]}) == std::vector<std::string>{"t0"});
  std::vector<std::string> expected;
  for (int i = 0; i <= 9; ++i) expected.push_back("t" + std::to_string(i));
  CHECK(tasks_of(store.committed()) == expected);  // all of them, once each, in order
  CHECK_FALSE(writer.stalled());
}

TEST_CASE("a writer that keeps failing reports the stall once, and its flush gives up naming the store") {
  FlakyStore store(-1);
  int stalls = 0;
  std::string why;
  StoreWriterOptions options;
  options.first_backoff = milliseconds(1);
  options.max_backoff = milliseconds(2);
  options.stall_limit = milliseconds(30);
  options.on_stalled = [&](const std::string& w) {
    ++stalls;
    why = w;
  };
  {
    StoreWriter writer(store, options);
    writer.task_updated(make_task("r", "a"));
    writer.task_updated(make_task("r", "b"));
    store.wait_for_attempts(2);  // a retry: the writer knows it is failing
    CHECK(writer.stalled());
    writer.task_updated(make_task("r", "c"));
    CHECK_THROWS_WITH_AS(writer.flush(),
                         "/x/dagrun.db: cannot record run history: database or disk is full; the history ends "
                         "at the last committed change (3 changes not recorded)",
                         StoreError);
  }  // the destructor stops retrying: a flush already waited the stall limit
  CHECK(stalls == 1);
  CHECK(why == "/x/dagrun.db: cannot record run history: database or disk is full");
  CHECK(store.committed().empty());
  // Only the first batch was ever tried, unchanged: c waited behind it.
  auto attempts = store.attempts();
  auto first = tasks_of({attempts.at(0)});
  CHECK((first == std::vector<std::string>{"a"} || first == std::vector<std::string>{"a", "b"}));
  for (const auto& attempt : attempts) CHECK(tasks_of({attempt}) == first);
}

TEST_CASE("the history survives another connection holding the write lock past the busy timeout") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  SqliteOptions sqlite;
  sqlite.busy_timeout = milliseconds(20);
  sqlite.attempts = 2;
  auto store = open_sqlite_store(file, sqlite);
  store->create_run(make_run("r", "d"), {make_task("r", "t", TaskState::queued, 0, 40)});
  StoreWriterOptions options;
  options.first_backoff = milliseconds(5);
  options.max_backoff = milliseconds(20);
  StoreWriter writer(*store, options);

  SQLite::Database other(file, SQLite::OPEN_READWRITE);
  other.exec("BEGIN EXCLUSIVE");
  auto record_try = [&](int n) {
    writer.task_updated(make_task("r", "t", TaskState::running, n, 40));
    writer.try_updated(make_try("r", "t", n, TaskState::running));
    auto done = make_try("r", "t", n, TaskState::failed);
    done.error = "try " + std::to_string(n);
    writer.try_updated(done);
    writer.task_updated(make_task("r", "t", n == 40 ? TaskState::success : TaskState::up_for_retry, n, 40));
  };
  record_try(1);
  while (!writer.stalled()) std::this_thread::sleep_for(milliseconds(1));
  for (int n = 2; n <= 40; ++n) record_try(n);
  CHECK(store->list_tries("r").empty());  // nothing got past the lock
  other.exec("COMMIT");
  writer.flush();

  auto tries = store->list_tries("r");
  REQUIRE(tries.size() == 40);
  for (int n = 1; n <= 40; ++n) {
    CHECK(tries[size_t(n - 1)].try_number == n);
    CHECK(tries[size_t(n - 1)].state == TaskState::failed);
    CHECK(tries[size_t(n - 1)].error == "try " + std::to_string(n));
  }
  auto task = store->list_task_instances("r").at(0);
  CHECK(task.state == TaskState::success);  // the last change is the one that stays
  CHECK(task.try_number == 40);
  CHECK_FALSE(writer.stalled());
  CHECK(writer.batches() >= 2);
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
