// Pools in the history (store/pool_store.h), against both backends: the
// line's order (priority, aging, who waited longest, strictly), slots never
// handed out twice by engines asking at once, and what dead engines and
// abandoned places leave behind freed.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "model/pools.h"
#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

const TimePoint kT0 = at("2026-03-01T10:00:00.000Z");

PoolClaim claim(const std::string& task, int size, int slots = 1, int priority = 1, const std::string& engine = "e1",
                const std::string& pool = "api") {
  PoolClaim c;
  c.pool = pool;
  c.pool_size = size;
  c.slots = slots;
  c.priority_weight = priority;
  c.run_id = "r1";
  c.dag_id = "etl";
  c.task_id = task;
  c.try_number = 1;
  c.engine_id = engine;
  return c;
}

PoolSlotRecord waiter(const std::string& task, int slots, int priority, TimePoint since) {
  PoolSlotRecord r;
  r.run_id = "r";
  r.task_id = task;
  r.slots = slots;
  r.priority_weight = priority;
  r.since = since;
  r.state = "waiting";
  return r;
}

const std::vector<std::string> kLive{"e1", "e2"};

}  // namespace

TEST_CASE("pools: the line is served by priority, then by who waited longest, strictly, and waiting raises priority") {
  using std::chrono::seconds;
  const std::vector<PoolSlotRecord> line{waiter("low", 1, 1, kT0), waiter("high", 1, 5, kT0 + seconds(1)),
                                         waiter("high2", 1, 5, kT0 + seconds(2))};
  // One free slot: the first of the higher weight, however late it came.
  CHECK(first_in_line(line, 1, 2, "r", "high", kT0 + seconds(2)));
  CHECK_FALSE(first_in_line(line, 1, 2, "r", "high2", kT0 + seconds(2)));
  CHECK_FALSE(first_in_line(line, 1, 2, "r", "low", kT0 + seconds(2)));
  // Two free: the next one too (the first keeps its slot until it asks again).
  CHECK(first_in_line(line, 0, 2, "r", "high2", kT0 + seconds(2)));
  CHECK_FALSE(first_in_line(line, 0, 2, "r", "low", kT0 + seconds(2)));
  // Everyone gains one per 10 s of waiting: 50 s on, "low" (6) still comes
  // after "high" (9), but before a weight of 5 that has just come (5).
  CHECK(first_in_line(line, 1, 2, "r", "high", kT0 + seconds(50)));
  const std::vector<PoolSlotRecord> later{waiter("low", 1, 1, kT0), waiter("fresh", 1, 5, kT0 + seconds(50))};
  CHECK(first_in_line(later, 1, 2, "r", "low", kT0 + seconds(50)));
  CHECK_FALSE(first_in_line(later, 1, 2, "r", "fresh", kT0 + seconds(50)));
  // Having waited 90 s more than a weight of 10, a weight of 1 goes first.
  const std::vector<PoolSlotRecord> starved{waiter("low", 1, 1, kT0), waiter("top", 1, 10, kT0 + seconds(91))};
  CHECK(first_in_line(starved, 1, 2, "r", "low", kT0 + seconds(91)));
  // A try needing more than is free holds the line: the smaller one behind waits.
  const std::vector<PoolSlotRecord> big{waiter("big", 3, 1, kT0), waiter("small", 1, 1, kT0 + seconds(1))};
  CHECK_FALSE(first_in_line(big, 2, 4, "r", "small", kT0 + seconds(1)));
  CHECK_FALSE(first_in_line(big, 2, 4, "r", "big", kT0 + seconds(1)));
  CHECK(first_in_line(big, 1, 4, "r", "big", kT0 + seconds(1)));
  // One that can never fit (more than the pool has) holds no one up.
  CHECK(first_in_line(big, 0, 2, "r", "small", kT0 + seconds(1)));
  CHECK_FALSE(first_in_line(big, 0, 2, "r", "big", kT0 + seconds(1)));
  // A closed pool (0 slots) serves no one; a try not in line is not served.
  CHECK_FALSE(first_in_line(line, 0, 0, "r", "high", kT0));
  CHECK_FALSE(first_in_line(line, 0, 2, "r", "absent", kT0));
  CHECK(effective_priority(1, kT0, kT0 + seconds(95)) == 10);
  CHECK(effective_priority(-3, kT0, kT0 - seconds(5)) == -3);  // a clock behind gives nothing
}

TEST_CASE_TEMPLATE("pools: slots are handed out up to the pool's size, in line order, and given back", Backend,
                   DAGRUN_STORE_BACKENDS) {
  using std::chrono::seconds;
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  CHECK(store->acquire_pool_slots(claim("a", 2), kLive, kT0));
  CHECK(store->acquire_pool_slots(claim("a", 2), kLive, kT0));  // asking again while holding: still held
  CHECK(store->acquire_pool_slots(claim("b", 2), kLive, kT0));
  CHECK_FALSE(store->acquire_pool_slots(claim("c", 2), kLive, kT0 + seconds(1)));
  CHECK_FALSE(store->acquire_pool_slots(claim("d", 2, 1, 9), kLive, kT0 + seconds(2)));
  // Another pool's slots are its own.
  CHECK(store->acquire_pool_slots(claim("x", 1, 1, 1, "e1", "db"), kLive, kT0));

  auto slots = store->list_pool_slots();
  REQUIRE(slots.size() == 5);
  CHECK(slots[0].pool == "api");
  CHECK(slots[0].state == "running");
  CHECK(slots[2].state == "waiting");
  CHECK(slots[4].pool == "db");

  store->release_pool_slots("r1", "a");
  // "d" (weight 9) came later than "c" but goes first.
  CHECK_FALSE(store->acquire_pool_slots(claim("c", 2), kLive, kT0 + seconds(3)));
  CHECK(store->acquire_pool_slots(claim("d", 2, 1, 9), kLive, kT0 + seconds(3)));
  store->release_pool_slots("r1", "b");
  CHECK(store->acquire_pool_slots(claim("c", 2), kLive, kT0 + seconds(4)));
  store->release_pool_slots("r1", "zzz");  // nothing held: nothing happens
  int running = 0;
  for (const PoolSlotRecord& r : store->list_pool_slots())
    if (r.pool == "api") running += r.state == "running" ? r.slots : 0;
  CHECK(running == 2);
}

TEST_CASE_TEMPLATE("pools: a dead engine's slots and places, and places no longer asked for, are freed", Backend,
                   DAGRUN_STORE_BACKENDS) {
  using std::chrono::seconds;
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  CHECK(store->acquire_pool_slots(claim("held", 1, 1, 1, "dead"), {"dead", "e1"}, kT0));
  CHECK_FALSE(store->acquire_pool_slots(claim("queued", 1, 1, 1, "dead"), {"dead", "e1"}, kT0));
  CHECK_FALSE(store->acquire_pool_slots(claim("mine", 1), {"dead", "e1"}, kT0));
  // The engine "dead" is no longer alive: its slot and its place go.
  CHECK(store->acquire_pool_slots(claim("mine", 1), {"e1"}, kT0 + seconds(1)));
  REQUIRE(store->list_pool_slots().size() == 1);
  CHECK(store->list_pool_slots()[0].task_id == "mine");

  // A place not asked for within kPoolWaitExpiry is given up.
  CHECK_FALSE(store->acquire_pool_slots(claim("gone", 1, 1, 100), kLive, kT0 + seconds(2)));
  CHECK_FALSE(store->acquire_pool_slots(claim("patient", 1), kLive, kT0 + seconds(3)));
  store->release_pool_slots("r1", "mine");
  const TimePoint later = kT0 + seconds(3) + kPoolWaitExpiry;
  CHECK(store->acquire_pool_slots(claim("patient", 1), kLive, later));
}

TEST_CASE_TEMPLATE("pools: engines asking at once never hold more slots than the pool has", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  { auto setup = backend.open(); }
  constexpr int kSize = 3;
  std::atomic<int> held{0}, most{0}, done{0};
  {
    std::vector<std::jthread> engines;
    for (int e = 0; e < 4; ++e)
      engines.emplace_back([&, e] {
        auto store = backend.open();
        const std::string engine = "e" + std::to_string(e);
        for (int t = 0; t < 10; ++t) {
          const PoolClaim c = claim(engine + "_" + std::to_string(t), kSize, 1 + t % 2, 1, engine);
          while (!store->acquire_pool_slots(c, {"e0", "e1", "e2", "e3"}, std::chrono::system_clock::now()))
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          const int now = held += c.slots;
          for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          held -= c.slots;
          store->release_pool_slots(c.run_id, c.task_id);
          ++done;
        }
      });
  }
  CHECK(done == 40);
  CHECK(most <= kSize);
  CHECK(most >= 2);  // they did overlap
}
