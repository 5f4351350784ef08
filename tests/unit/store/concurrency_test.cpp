// The CLI reads history while a run writes it, possibly from another process:
// neither side may ever fail with "database is locked".
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

// One small transaction per state change, the way an unbatched engine would write.
void write_runs(Store& store, const std::string& dag, int runs) {
  for (int i = 0; i < runs; ++i) {
    const std::string id = dag + "__" + std::to_string(i);
    store.create_run(make_run(id, dag, std::chrono::system_clock::now()),
                     {make_task(id, "a"), make_task(id, "b")});
    store.apply({RunUpdate{id, RunState::running, std::chrono::system_clock::now(), {}, {}}});
    store.apply(
        {make_task(id, "a", TaskState::running, 1), make_try(id, "a", 1, TaskState::running)});
    store.apply(
        {make_try(id, "a", 1, TaskState::success), make_task(id, "a", TaskState::success, 1)});
    store.apply({RunUpdate{id, RunState::success, {}, std::chrono::system_clock::now(), {}}});
  }
}

// Runs the CLI's queries until told to stop; returns the first error, if any.
struct Reader {
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  std::mutex mu;
  std::string error;
  bool went_backwards = false;

  void run(const std::string& file) {
    try {
      auto store = open_sqlite_store(file);
      size_t seen = 0;
      while (!stop.load()) {
        auto runs = store->list_runs({});
        if (runs.size() < seen) went_backwards = true;
        seen = runs.size();
        store->list_runs({std::string("thread"), RunState::success, 20});
        if (!runs.empty()) {
          store->list_task_instances(runs.front().run_id);
          store->list_tries(runs.front().run_id);
          store->get_try(runs.front().run_id, "a", std::nullopt);
        }
        ++rounds;
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      error = e.what();
    }
  }
};

}  // namespace

TEST_CASE("readers never see a locked database while another connection commits") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  auto writer_store = open_sqlite_store(file);
  Reader reader;
  std::thread reading([&] { reader.run(file); });
  std::string write_error;
  std::thread writing([&] {
    try {
      write_runs(*writer_store, "thread", 300);
    } catch (const std::exception& e) {
      write_error = e.what();
    }
  });
  writing.join();
  reader.stop = true;
  reading.join();

  CHECK(write_error == "");
  CHECK(reader.error == "");
  CHECK_FALSE(reader.went_backwards);
  CHECK(reader.rounds > 0);
  CHECK(writer_store->list_runs({}).size() == 300);
}

TEST_CASE("readers and a writer thread never see a locked database while another process writes") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  open_sqlite_store(file);  // schema in place; the child opens its own connections
  int go[2];
  REQUIRE(pipe(go) == 0);
  // Forked before this process starts any thread, so the child is a plain copy.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(go[1]);
    char byte = 0;
    int status = 0;
    if (read(go[0], &byte, 1) != 1) _exit(3);
    try {
      auto store = open_sqlite_store(file);
      write_runs(*store, "process", 300);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child writer: %s\n", e.what());
      status = 1;
    }
    _exit(status);
  }
  close(go[0]);

  Reader reader;
  std::thread reading([&] { reader.run(file); });
  std::string write_error;
  std::thread writing([&] {
    try {
      auto store = open_sqlite_store(file);
      write_runs(*store, "thread", 300);
    } catch (const std::exception& e) {
      write_error = e.what();
    }
  });
  REQUIRE(write(go[1], "g", 1) == 1);
  close(go[1]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  writing.join();
  reader.stop = true;
  reading.join();

  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(write_error == "");
  CHECK(reader.error == "");
  CHECK_FALSE(reader.went_backwards);
  CHECK(reader.rounds > 0);
  auto store = open_sqlite_store(file);
  CHECK(store->list_runs({"process", RunState::success, 0}).size() == 300);
  CHECK(store->list_runs({"thread", RunState::success, 0}).size() == 300);
}
