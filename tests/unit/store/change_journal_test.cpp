// The journal of uncommitted history: every field of every change survives
// the file, and a replay lands on a real SQLite history once, in order, and
// never while the engine that writes it lives.
#include "store/change_journal.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "null_store.h"
#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TryRecord full_try() {
  TryRecord t = make_try("r", "t", 3, TaskState::failed);
  t.start_date = at("2026-11-29T01:00:00.123Z");
  t.end_date = at("2026-11-29T01:00:05.456Z");
  t.exit_code = 7;
  t.signal = 9;
  t.error = "boom \"quoted\"\n\x01";
  t.log_path = "/h/logs/d/r/t/3.log";
  t.pid = 4242;
  t.hostname = "host-1";
  t.log_error = "No space left on device";
  return t;
}

std::string record(const StoreChange& c) {
  std::string out;
  append_record(out, c);
  return out;
}

template <typename T>
T round_trip(const StoreChange& c) {
  const std::string text = record(c);
  size_t pos = 0;
  StoreChange back = parse_record(text, pos);
  CHECK(pos == text.size());
  return std::get<T>(back);
}

StoreChange parsed(const std::string& text) {
  size_t pos = 0;
  return parse_record(text, pos);
}

std::unique_ptr<Store> store_with_run(const TempDir& dir, const std::string& run_id) {
  auto store = open_sqlite_store(dir.file("h.db"));
  store->create_run(make_run(run_id, "etl"), {make_task(run_id, "a"), make_task(run_id, "b")});
  return store;
}

// Writes a journal as an engine would and closes it, as its death does.
void journal_of_dead_engine(const std::filesystem::path& path, const std::vector<StoreChange>& changes) {
  ChangeJournal journal(path);
  std::vector<const StoreChange*> ptrs;
  for (const auto& c : changes) ptrs.push_back(&c);
  journal.append(ptrs);
}

}  // namespace

TEST_CASE("every field of every kind of change survives a journal record, whatever bytes it holds") {
  const TryRecord t = full_try();
  const auto back = round_trip<TryRecord>(t);
  CHECK(back.run_id == "r");
  CHECK(back.task_id == "t");
  CHECK(back.try_number == 3);
  CHECK(back.state == TaskState::failed);
  CHECK(back.start_date == t.start_date);
  CHECK(back.end_date == t.end_date);
  CHECK(back.exit_code == 7);
  CHECK(back.signal == 9);
  CHECK(back.error == t.error);
  CHECK(back.log_path == t.log_path);
  CHECK(back.pid == 4242);
  CHECK(back.hostname == "host-1");
  CHECK(back.log_error == "No space left on device");
  CHECK(record(back) == record(t));

  TryRecord empty = make_try("r", "t", 1, TaskState::running);
  const auto e = round_trip<TryRecord>(empty);
  CHECK_FALSE(e.end_date.has_value());
  CHECK_FALSE(e.exit_code.has_value());
  CHECK_FALSE(e.pid.has_value());

  const RunUpdate with_reason{"r", RunState::failed, at("2026-11-29T01:00:00Z"), std::nullopt, std::string("why")};
  const auto u = round_trip<RunUpdate>(with_reason);
  CHECK(u.state == RunState::failed);
  CHECK(u.start_date == with_reason.start_date);
  CHECK_FALSE(u.end_date.has_value());
  CHECK(u.reason == std::optional<std::string>("why"));
  const RunUpdate keep_reason{"r", RunState::running, std::nullopt, std::nullopt, std::nullopt};
  CHECK_FALSE(round_trip<RunUpdate>(keep_reason).reason.has_value());
  const RunUpdate empty_reason{"r", RunState::running, std::nullopt, std::nullopt, std::string()};
  CHECK(round_trip<RunUpdate>(empty_reason).reason == std::optional<std::string>(""));

  const auto task = round_trip<TaskInstanceRecord>(make_task("r", "t", TaskState::up_for_retry, 2, 4));
  CHECK(task.state == TaskState::up_for_retry);
  CHECK(task.try_number == 2);
  CHECK(task.max_tries == 4);

  const auto x = round_trip<XComRecord>(XComRecord{"r", "t", "k:1\n2", "{\"a\":[1]}"});
  CHECK(x.key == "k:1\n2");
  CHECK(x.value_json == "{\"a\":[1]}");

  const std::string whole = record(make_task("r", "t", TaskState::success, 1));
  CHECK(whole == "T1:r1:t7:success1:11:1\n");
  for (size_t cut = 0; cut < whole.size(); ++cut) CHECK_THROWS(parsed(whole.substr(0, cut)));
  CHECK_THROWS_WITH(parsed("T1:r1:t8:sleeping1:11:1\n"), "unknown state 'sleeping'");
  CHECK_THROWS(parsed("T1:r1:t7:success1:11:11:1\n"));  // a field too many
  CHECK_THROWS(parsed("Q1:r\n"));
  CHECK_THROWS(parsed("Tx:r\n"));
}

TEST_CASE("an engine's journal file is named for its id, whatever its host name holds") {
  const auto dir = journal_dir_for("/h/dagrun.db");
  CHECK(dir == "/h/dagrun.db.journals");
  CHECK(journal_path(dir, "box:12:345") == "/h/dagrun.db.journals/box%3A12%3A345.journal");
  CHECK(journal_path(dir, "../../etc:1:2").filename() == "..%2F..%2Fetc%3A1%3A2.journal");
  CHECK(journal_path(dir, "a/b:1:2").parent_path() == dir);
  CHECK_THROWS(journal_path(dir, ""));
  CHECK_THROWS(journal_path(dir, std::string(300, 'h')));
}

TEST_CASE("a dead engine's journal is replayed into the history once, then removed") {
  TempDir dir;
  auto store = store_with_run(dir, "r");
  const auto path = dir / "j" / "e.journal";
  TryRecord a1 = make_try("r", "a", 1, TaskState::running);
  TryRecord a1_done = a1;
  a1_done.state = TaskState::success;
  journal_of_dead_engine(path, {make_task("r", "a", TaskState::running, 1), a1, a1_done,
                                make_task("r", "a", TaskState::success, 1), XComRecord{"r", "a", "k", "1"},
                                make_task("r", "b", TaskState::running, 1), make_try("r", "b", 1, TaskState::running)});

  ReplayResult r = replay_journal(*store, path);
  CHECK(r.status == ReplayResult::Status::replayed);
  CHECK(r.changes == 7);
  CHECK(r.skipped == 0);
  CHECK_FALSE(std::filesystem::exists(path));
  auto tasks = store->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::running);
  CHECK(store->get_try("r", "a", 1)->state == TaskState::success);
  CHECK(store->get_xcom("r", "a", "k") == "1");

  CHECK(replay_journal(*store, path).status == ReplayResult::Status::absent);
}

TEST_CASE("replaying changes the history already has, in order, ends where the engine ended") {
  TempDir dir;
  auto store = store_with_run(dir, "r");
  // The writer committed a's success before the engine died...
  store->apply({make_task("r", "a", TaskState::success, 1)});
  // ...and the journal still holds the running state it had before that.
  const auto path = dir / "e.journal";
  journal_of_dead_engine(path, {make_task("r", "a", TaskState::running, 1), make_task("r", "a", TaskState::success, 1),
                                make_task("r", "b", TaskState::running, 1)});
  replay_journal(*store, path);
  auto tasks = store->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::running);
}

TEST_CASE("a journal is not replayed while the engine that writes it holds it") {
  TempDir dir;
  auto store = store_with_run(dir, "r");
  const auto path = dir / "e.journal";
  ChangeJournal live(path);
  const StoreChange c = make_task("r", "a", TaskState::success, 1);
  live.append({&c});
  CHECK(replay_journal(*store, path).status == ReplayResult::Status::busy);
  CHECK(store->list_task_instances("r")[0].state == TaskState::queued);
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("a torn last record ends the replay, changes of runs the history no longer has are skipped") {
  TempDir dir;
  auto store = store_with_run(dir, "r");
  const auto path = dir / "e.journal";
  journal_of_dead_engine(path, {make_task("gone", "a", TaskState::success, 1), make_task("r", "a", TaskState::success, 1)});
  {
    std::ofstream out(path, std::ios::app);
    out << record(make_task("r", "b", TaskState::success, 1)).substr(0, 12);  // died inside the write
  }
  ReplayResult r = replay_journal(*store, path);
  CHECK(r.status == ReplayResult::Status::replayed);
  CHECK(r.changes == 1);
  CHECK(r.skipped == 1);  // the gone run's change
  CHECK(r.torn);
  auto tasks = store->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::queued);
}

TEST_CASE("a journal that the store refuses stays for a later replay") {
  struct FullDisk : testing::NullStore {
    std::optional<RunRecord> get_run(const std::string& id) const override { return make_run(id, "etl"); }
    void apply(const std::vector<StoreChange>&) override { throw StoreError("database or disk is full"); }
  } store;
  TempDir dir;
  const auto path = dir / "e.journal";
  journal_of_dead_engine(path, {make_task("r", "a", TaskState::success, 1)});
  CHECK_THROWS_WITH(replay_journal(store, path), "database or disk is full");
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("a journal is emptied and removed as its owner says") {
  TempDir dir;
  const auto path = dir / "sub" / "e.journal";
  ChangeJournal journal(path);
  const StoreChange c = make_task("r", "a", TaskState::success, 1);
  journal.append({&c, &c});
  CHECK(journal.size() == 2 * record(c).size());
  CHECK(read_text(path) == record(c) + record(c));
  journal.clear();
  CHECK(journal.size() == 0);
  CHECK(read_text(path).empty());
  journal.append({&c});
  CHECK(read_text(path) == record(c));
  journal.discard();
  CHECK_FALSE(std::filesystem::exists(path));
}
