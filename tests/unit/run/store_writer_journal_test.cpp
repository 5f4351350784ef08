// The store writer with a journal: sync() puts what is not committed in the
// journal without waiting for a commit, a writer that gives up leaves the
// rest there, and a writer that committed everything removes it.
#include "run/store_writer.h"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "gated_store.h"
#include "null_store.h"
#include "store/sqlite_store.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using std::chrono::milliseconds;

namespace {

std::vector<std::string> journal_tasks(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  std::vector<std::string> out;
  for (size_t pos = 0; pos < all.size();) out.push_back(std::get<TaskInstanceRecord>(parse_record(all, pos)).task_id);
  return out;
}

StoreWriterOptions with_journal(const std::filesystem::path& path) {
  StoreWriterOptions o;
  o.journal = std::make_shared<ChangeJournal>(path);
  return o;
}

}  // namespace

TEST_CASE("sync journals the batch being committed and everything queued, without waiting for the commit") {
  TempDir dir;
  const auto path = dir / "e.journal";
  GatedStore store;
  {
    StoreWriter writer(store, with_journal(path));
    writer.task_updated(make_task("r", "t0"));
    store.wait_until_entered();  // t0's commit is in progress and blocked
    writer.task_updated(make_task("r", "t1"));
    writer.task_updated(make_task("r", "t2"));
    writer.sync();  // returns although nothing is committed
    CHECK(journal_tasks(path) == std::vector<std::string>{"t0", "t1", "t2"});
    writer.task_updated(make_task("r", "t3"));
    writer.sync();  // only what is new is appended
    CHECK(journal_tasks(path) == std::vector<std::string>{"t0", "t1", "t2", "t3"});
    writer.sync();
    CHECK(journal_tasks(path).size() == 4);
    store.release();
  }
  // Everything was committed when the writer went: nothing is left to replay.
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a writer whose store keeps failing leaves what it could not commit in the journal") {
  struct Failing : testing::NullStore {
    void apply(const std::vector<StoreChange>&) override { throw StoreError("disk I/O error"); }
  } store;
  TempDir dir;
  const auto path = dir / "e.journal";
  StoreWriterOptions options = with_journal(path);
  options.first_backoff = milliseconds(1);
  options.stall_limit = milliseconds(30);
  {
    StoreWriter writer(store, options);
    writer.task_updated(make_task("r", "a"));
    writer.sync();  // a is journaled now
    writer.task_updated(make_task("r", "b"));
    writer.task_updated(make_task("r", "c"));
  }
  CHECK(journal_tasks(path) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a journal past its limit is emptied by waiting for one commit") {
  TempDir dir;
  const auto path = dir / "e.journal";
  GatedStore store;  // nothing commits before release(), however slow the test runs
  StoreWriterOptions options = with_journal(path);
  options.journal_limit = 1;
  auto journal = options.journal;
  StoreWriter writer(store, options);
  writer.task_updated(make_task("r", "a"));
  store.wait_until_entered();
  writer.sync();
  CHECK(journal->size() > 0);
  writer.task_updated(make_task("r", "b"));
  store.release();
  writer.sync();  // over the limit: waits until a and b are committed, then empties it
  CHECK(journal_tasks(path) == std::vector<std::string>{});
}

TEST_CASE("what a journaling writer announced is in the history after a replay, committed or not") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  store->create_run(make_run("r", "etl"), {make_task("r", "a"), make_task("r", "b")});
  const auto path = dir / "e.journal";
  StoreWriterOptions options = with_journal(path);
  GatedStore gate(store.get());  // a and b stay uncommitted until the copy is made
  {
    StoreWriter writer(gate, options);
    writer.task_updated(make_task("r", "a", TaskState::success, 1));
    gate.wait_until_entered();
    writer.task_updated(make_task("r", "b", TaskState::running, 1));
    writer.sync();
    // The engine would die here; a copy of the journal is what it leaves.
    std::filesystem::copy_file(path, dir / "copy.journal");
    gate.release();
  }
  testing::TempDir other;
  auto fresh = open_sqlite_store(other.file("h.db"));
  fresh->create_run(make_run("r", "etl"), {make_task("r", "a"), make_task("r", "b")});
  CHECK(replay_journal(*fresh, dir / "copy.journal").changes == 2);
  auto tasks = fresh->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::running);
}
