// Callbacks in the history (store/callback_store.h), against both backends:
// recorded once however often reported, claimed by one engine at a time,
// taken back when a claim runs out, finished only by their claimant.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "run/callback_events.h"
#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

const TimePoint kT0 = at("2026-03-01T10:00:00.000Z");

template <typename Backend>
std::unique_ptr<Store> with_run(Backend& backend, const std::string& run_id = "r1", const std::string& dag = "etl") {
  auto store = backend.open();
  store->create_run(make_run(run_id, dag, kT0), {make_task(run_id, "t")}, nullptr);
  return store;
}

std::vector<StoreChange> changes(std::vector<CallbackRecord> records) {
  return std::vector<StoreChange>(records.begin(), records.end());
}

}  // namespace

TEST_CASE_TEMPLATE("callbacks: an event is recorded once, pending, however often it is reported", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = with_run(backend);
  const auto failure = callback_records("r1", "etl", "t", 2, CallbackEvent::failure, 2, kT0);
  store->apply(changes(failure));
  store->apply(changes(failure));  // recovery, a journal's replay, a resumed run
  store->apply(changes(callback_records("r1", "etl", "", 0, CallbackEvent::failure, 1, kT0)));
  const auto listed = store->list_callbacks("r1");
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].task_id == "t");
  CHECK(listed[0].try_number == 2);
  CHECK(listed[0].event == "failure");
  CHECK(listed[0].action == 0);
  CHECK(listed[1].action == 1);
  CHECK(listed[2].task_id.empty());  // the run's own
  for (const CallbackRecord& c : listed) {
    CHECK(c.state == "pending");
    CHECK(c.attempts == 0);
    CHECK(c.created_at == kT0);
    CHECK(c.id > 0);
  }
  CHECK(listed[0].id < listed[1].id);
  CHECK(store->list_callbacks("other").empty());
}

TEST_CASE_TEMPLATE("callbacks: claims take due ones of the known DAGs, once, and a run-out claim is taken back",
                   Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = with_run(backend);
  store->create_run(make_run("r2", "other", kT0), {make_task("r2", "t")}, nullptr);
  store->apply(changes(callback_records("r1", "etl", "t", 1, CallbackEvent::retry, 2, kT0)));
  store->apply(changes(callback_records("r2", "other", "t", 1, CallbackEvent::failure, 1, kT0)));
  const Duration lease = std::chrono::seconds(60);

  CHECK(store->claim_callbacks("e1", {}, kT0, lease, 5).empty());
  CHECK(store->claim_callbacks("e1", {"etl"}, kT0 - std::chrono::seconds(1), lease, 5).empty());  // not due yet
  auto first = store->claim_callbacks("e1", {"etl"}, kT0, lease, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].action == 0);
  CHECK(first[0].state == "running");
  CHECK(first[0].claimed_by == "e1");
  CHECK(first[0].attempts == 1);
  CHECK(first[0].claim_until == kT0 + lease);
  auto second = store->claim_callbacks("e2", {"etl", "nothing"}, kT0, lease, 5);
  REQUIRE(second.size() == 1);  // the other action; the first is e1's
  CHECK(second[0].action == 1);
  CHECK(store->claim_callbacks("e2", {"etl"}, kT0 + std::chrono::seconds(30), lease, 5).empty());

  // e1 dies: once its claim runs out, another engine takes the callback back.
  auto taken = store->claim_callbacks("e3", {"etl"}, kT0 + lease + std::chrono::seconds(1), lease, 5);
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].attempts == 2);
  // The late one can no longer record anything.
  CHECK_FALSE(store->finish_callback(first[0].id, "e1", "sent", "", kT0 + lease, kT0 + lease));
  CHECK(store->finish_callback(taken[0].id, "e3", "sent", "", kT0 + lease, kT0 + lease));
  CHECK(store->finish_callback(taken[1].id, "e3", "failed", "HTTP 500: boom", kT0 + lease, kT0 + lease));
  CHECK_FALSE(store->finish_callback(taken[0].id, "e3", "failed", "", kT0 + lease, kT0 + lease));  // not claimed

  const auto listed = store->list_callbacks("r1");
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].state == "sent");
  CHECK(listed[0].error.empty());
  CHECK(listed[0].ended_at == kT0 + lease);
  CHECK(listed[0].claimed_by.empty());
  CHECK(listed[1].state == "failed");
  CHECK(listed[1].error == "HTTP 500: boom");
  CHECK(store->claim_callbacks("e4", {"etl"}, kT0 + std::chrono::hours(5), lease, 5).empty());  // ended ones stay so
  CHECK(store->claim_callbacks("e4", {"other"}, kT0, lease, 5).size() == 1);
}

TEST_CASE_TEMPLATE("callbacks: a failed attempt waits until its next try", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = with_run(backend);
  store->apply(changes(callback_records("r1", "etl", "t", 1, CallbackEvent::failure, 1, kT0)));
  auto c = store->claim_callbacks("e1", {"etl"}, kT0, std::chrono::seconds(60), 5);
  REQUIRE(c.size() == 1);
  const TimePoint next = kT0 + std::chrono::seconds(10);
  CHECK(store->finish_callback(c[0].id, "e1", "pending", "connection refused", kT0, next));
  const auto pending = store->list_callbacks("r1");
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].state == "pending");
  CHECK(pending[0].error == "connection refused");
  CHECK_FALSE(pending[0].ended_at);
  CHECK(store->claim_callbacks("e1", {"etl"}, next - std::chrono::milliseconds(1), std::chrono::seconds(60), 5).empty());
  auto again = store->claim_callbacks("e1", {"etl"}, next, std::chrono::seconds(60), 5);
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
}

TEST_CASE_TEMPLATE("callbacks: engines claiming at once never take the same one", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto setup = with_run(backend);
  for (int t = 1; t <= 40; ++t)
    setup->apply(changes(callback_records("r1", "etl", "t", t, CallbackEvent::retry, 1, kT0)));
  std::vector<std::vector<CallbackRecord>> got(4);
  {
    std::vector<std::jthread> engines;
    for (int e = 0; e < 4; ++e)
      engines.emplace_back([&, e] {
        auto store = backend.open();
        for (;;) {
          auto c = store->claim_callbacks("e" + std::to_string(e), {"etl"}, kT0, std::chrono::seconds(60), 3);
          if (c.empty()) break;
          got[static_cast<size_t>(e)].insert(got[static_cast<size_t>(e)].end(), c.begin(), c.end());
        }
      });
  }
  std::set<std::int64_t> ids;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    for (const CallbackRecord& c : g) ids.insert(c.id);
  }
  CHECK(total == 40);
  CHECK(ids.size() == 40);
}
