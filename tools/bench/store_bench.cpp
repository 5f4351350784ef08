// How fast the run history records a run: one run of N tasks, each going
// queued -> running -> success with one try, every state change recorded
// through the StoreWriter as the engine does. A bare SQLite loop inserting
// the same number of rows into one plain table is the reference.
//
// Usage: store_bench [tasks] [directory]   (defaults: 10000, a new directory in /tmp)
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "run/store_writer.h"

using namespace dagrun;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The same rows, the plainest way: one prepared INSERT in one transaction.
double bare_sqlite_rows_per_second(const std::string& file, int rows) {
  SQLite::Database db(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  db.exec("CREATE TABLE t (run_id TEXT, task_id TEXT, try_number INTEGER, state TEXT)");
  auto start = Clock::now();
  SQLite::Transaction tx(db);
  SQLite::Statement insert(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  for (int i = 0; i < rows; ++i) {
    insert.reset();
    insert.bind(1, "bench");
    insert.bind(2, "task" + std::to_string(i / 4));
    insert.bind(3, 1);
    insert.bind(4, "running");
    insert.exec();
  }
  tx.commit();
  return rows / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::filesystem::path dir;
  if (argc > 2) {
    dir = argv[2];
    std::filesystem::create_directories(dir);
  } else {
    std::string pattern = "/tmp/dagrun-store-bench-XXXXXX";
    if (!mkdtemp(pattern.data())) return 1;
    dir = pattern;
  }
  const std::string file = (dir / "dagrun.db").string();
  std::filesystem::remove(file);
  auto store = open_sqlite_store(file);

  RunRecord run;
  run.run_id = "bench";
  run.dag_id = "bench";
  run.queued_at = std::chrono::system_clock::now();
  std::vector<TaskInstanceRecord> instances;
  for (int i = 0; i < tasks; ++i)
    instances.push_back({run.run_id, "task" + std::to_string(i), TaskState::queued, 0, 1});
  auto start = Clock::now();
  store->create_run(run, instances);
  const double create_s = seconds_since(start);

  // What the Runner's thread does: four observer calls per task.
  double enqueue_s = 0;
  start = Clock::now();
  {
    StoreWriter writer(*store);
    for (auto t : instances) {
      t.state = TaskState::running;
      t.try_number = 1;
      writer.task_updated(t);
      TryRecord attempt;
      attempt.run_id = run.run_id;
      attempt.task_id = t.task_id;
      attempt.try_number = 1;
      attempt.state = TaskState::running;
      attempt.start_date = std::chrono::system_clock::now();
      attempt.pid = 4242;
      attempt.hostname = "bench-host";
      attempt.log_path = "logs/bench/" + t.task_id + "/1.log";
      writer.try_updated(attempt);
      attempt.state = TaskState::success;
      attempt.end_date = std::chrono::system_clock::now();
      attempt.exit_code = 0;
      writer.try_updated(attempt);
      t.state = TaskState::success;
      writer.task_updated(t);
    }
    enqueue_s = seconds_since(start);
    writer.flush();
    std::printf("store writer: %llu commits\n", static_cast<unsigned long long>(writer.batches()));
  }
  const double total_s = seconds_since(start);

  // The same pattern without group commit, one transaction per change, for
  // scale: what the StoreWriter saves the engine.
  run.run_id = "bench_unbatched";
  const int unbatched_tasks = std::min(tasks, 1000);
  instances.resize(static_cast<size_t>(unbatched_tasks));
  for (auto& t : instances) t.run_id = run.run_id;
  store->create_run(run, instances);
  start = Clock::now();
  for (auto t : instances) {
    t.state = TaskState::running;
    t.try_number = 1;
    store->apply({t});
    TryRecord attempt;
    attempt.run_id = run.run_id;
    attempt.task_id = t.task_id;
    attempt.state = TaskState::running;
    store->apply({attempt});
    attempt.state = TaskState::success;
    store->apply({attempt});
    t.state = TaskState::success;
    store->apply({t});
  }
  const double unbatched_s = seconds_since(start);

  const int rows = tasks * 4;
  const double bare = bare_sqlite_rows_per_second((dir / "bare.db").string(), rows);
  std::printf("database: %s\n", file.c_str());
  std::printf("create_run with %d task instances: %.1f ms\n", tasks, create_s * 1e3);
  std::printf("observer calls (runner thread): %.1f ms, %.0f tasks/s\n", enqueue_s * 1e3,
              tasks / enqueue_s);
  std::printf("recorded end to end: %d rows in %.1f ms = %.0f rows/s, %.0f tasks/s\n", rows,
              total_s * 1e3, rows / total_s, tasks / total_s);
  std::printf("one transaction per change: %.0f rows/s, %.0f tasks/s\n",
              unbatched_tasks * 4 / unbatched_s, unbatched_tasks / unbatched_s);
  std::printf("bare SQLite insert loop: %.0f rows/s (store reaches %.2f of it)\n", bare,
              rows / total_s / bare);
  if (argc <= 2) std::filesystem::remove_all(dir);
  return 0;
}
