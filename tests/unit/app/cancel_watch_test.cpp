// The watch that carries the history's cancel requests to this engine's runs,
// against a real SQLite history.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "app/cancel_watch.h"
#include "store/sqlite_store.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using namespace std::chrono_literals;

TEST_CASE("a cancel request in the history cancels the run's token here, and only that run's") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  for (const char* id : {"mine", "other", "elsewhere"}) {
    store->create_run(make_run(id, "etl", at("2026-11-29T01:00:00Z")), {make_task(id, "a")});
    REQUIRE(store->claim_run(id, "e1", at("2026-11-29T01:00:01Z")));
  }
  RunCancels runs;
  CancelToken mine, other;
  RunCancels::Registration r1(runs, "mine", mine);
  RunCancels::Registration r2(runs, "other", other);
  app::CancelWatch watch(*store, runs, 10ms);
  // A request for a run that another engine runs is not this engine's to act on.
  CHECK(store->cancel_run("elsewhere", "cancelled by x", at("2026-11-29T01:01:00Z")) == CancelResult::requested);
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(mine.cancelled());
  CHECK(store->cancel_run("mine", "cancelled by `dagrun cancel`", at("2026-11-29T01:01:00Z")) ==
        CancelResult::requested);
  CHECK(mine.wait_for(10s));
  CHECK(mine.reason() == "cancelled by `dagrun cancel`");
  CHECK_FALSE(other.cancelled());
}

TEST_CASE("an idle watch stops at once when its engine ends") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  RunCancels runs;
  const auto start = std::chrono::steady_clock::now();
  { app::CancelWatch watch(*store, runs, 1h); }
  CHECK(std::chrono::steady_clock::now() - start < 10s);  // not the hour it would wait
}
