// The queue of tries for workers (store/work_queue.h) on a real PostgreSQL:
// claims once each, in order, per queue; leases, renewals and cancel
// requests; and fencing, judged by the database's clock: a claimant whose
// lease ran out, or whose try was queued again, can neither renew nor report.
#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>

#include "../store_backends.h"
#include "../store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using namespace std::chrono_literals;

namespace {

struct Queue {
  PostgresBackend backend;
  std::unique_ptr<Store> store;
  WorkQueue* q = nullptr;

  explicit Queue(int tasks = 3) {
    if (!backend.available()) return;
    store = backend.open();
    q = store->work_queue();
    std::vector<TaskInstanceRecord> ts;
    for (int i = 0; i < tasks; ++i) ts.push_back(make_task("r", "t" + std::to_string(i)));
    store->create_run(make_run("r", "d"), ts);
  }
};

DispatchKey key(int task, int try_number = 1) { return {"r", "t" + std::to_string(task), try_number}; }

}  // namespace

TEST_CASE("work queue: a try is claimed once, oldest first, by a worker serving its queue") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", R"({"n":0})");
  w.q->enqueue(key(1), "gpu", R"({"n":1})");
  w.q->enqueue(key(2), "etl", R"({"n":2})");
  CHECK_FALSE(w.q->claim({"other"}, "w0", 10s));

  auto a = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE(a);
  CHECK(a->key.task_id == "t0");
  CHECK(a->payload_json == R"({"n":0})");
  CHECK(a->fence == 1);
  auto b = w.q->claim({"gpu", "etl"}, "w2", 10s);
  REQUIRE(b);
  CHECK(b->key.task_id == "t1");
  auto c = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE(c);
  CHECK(c->key.task_id == "t2");
  CHECK_FALSE(w.q->claim({"etl", "gpu"}, "w3", 10s));

  auto status = w.q->dispatch_status(key(0));
  REQUIRE(status);
  CHECK(status->state == DispatchState::claimed);
  CHECK(status->worker == "w1");
  CHECK_FALSE(status->lease_expired);
  CHECK_FALSE(w.q->dispatch_status(key(0, 2)));
}

TEST_CASE("work queue: the claimant renews and reports while its lease holds") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE(a);
  CHECK(w.q->renew(a->key, a->fence, 10s).held);
  CHECK_FALSE(w.q->renew(a->key, a->fence + 1, 10s).held);  // a fence it does not hold
  CHECK_FALSE(w.q->complete(a->key, a->fence + 1, R"({"status":"failed"})"));
  CHECK(w.q->complete(a->key, a->fence, R"({"status":"success"})"));
  CHECK_FALSE(w.q->complete(a->key, a->fence, R"({"status":"failed"})"));  // reported once
  CHECK_FALSE(w.q->renew(a->key, a->fence, 10s).held);
  auto status = w.q->dispatch_status(key(0));
  CHECK(status->state == DispatchState::done);
  CHECK(status->outcome_json == R"({"status":"success"})");
}

TEST_CASE("work queue: a claimant frozen past its lease can neither renew nor report, and is abandoned once") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 150ms);
  REQUIRE(a);
  std::this_thread::sleep_for(400ms);  // the database's clock passes the lease
  auto status = w.q->dispatch_status(key(0));
  CHECK(status->lease_expired);
  // Not yet abandoned, and still refused: the lease alone decides.
  CHECK_FALSE(w.q->renew(a->key, a->fence, 10s).held);
  CHECK_FALSE(w.q->complete(a->key, a->fence, R"({"status":"success"})"));
  CHECK(w.q->abandon_expired(a->key, a->fence));
  CHECK_FALSE(w.q->abandon_expired(a->key, a->fence));
  CHECK(w.q->dispatch_status(key(0))->state == DispatchState::abandoned);

  // The retry is a new try, claimed and reported by another worker; the old
  // claimant's late report still changes nothing.
  w.q->enqueue(key(0, 2), "etl", "{}");
  auto b = w.q->claim({"etl"}, "w2", 10s);
  REQUIRE(b);
  CHECK(b->key.try_number == 2);
  CHECK(w.q->complete(b->key, b->fence, R"({"status":"success"})"));
  CHECK_FALSE(w.q->complete(a->key, a->fence, R"({"status":"failed"})"));
  CHECK(w.q->dispatch_status(key(0))->state == DispatchState::abandoned);
  CHECK(w.q->dispatch_status(key(0, 2))->outcome_json == R"({"status":"success"})");
}

TEST_CASE("work queue: a lease that is renewed does not run out") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 300ms);
  REQUIRE(a);
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(100ms);
    REQUIRE(w.q->renew(a->key, a->fence, 300ms).held);
  }
  CHECK_FALSE(w.q->abandon_expired(a->key, a->fence));
  CHECK(w.q->complete(a->key, a->fence, "{}"));
}

TEST_CASE("work queue: the same try queued again fences out its earlier claimant") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", R"({"v":1})");
  auto a = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE(a);
  w.q->enqueue(key(0), "etl", R"({"v":2})");  // the run resumed by another engine
  CHECK_FALSE(w.q->renew(a->key, a->fence, 10s).held);
  auto b = w.q->claim({"etl"}, "w2", 10s);
  REQUIRE(b);
  CHECK(b->fence > a->fence);
  CHECK(b->payload_json == R"({"v":2})");
  CHECK_FALSE(w.q->complete(a->key, a->fence, R"({"by":"w1"})"));
  CHECK(w.q->complete(b->key, b->fence, R"({"by":"w2"})"));
  CHECK(w.q->dispatch_status(key(0))->outcome_json == R"({"by":"w2"})");
}

TEST_CASE("work queue: cancel requests reach the claimant, an unclaimed try is withdrawn") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  w.q->enqueue(key(1), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE(a);
  CHECK(w.q->renew(a->key, a->fence, 10s).cancel_reason.empty());
  w.q->request_cancel(a->key, "cancelled by alice");
  const Renewal r = w.q->renew(a->key, a->fence, 10s);
  CHECK(r.held);
  CHECK(r.cancel_reason == "cancelled by alice");
  CHECK_FALSE(w.q->withdraw(a->key));  // claimed: its worker stops it
  CHECK(w.q->withdraw(key(1)));
  CHECK_FALSE(w.q->claim({"etl"}, "w2", 10s));
  CHECK(w.q->dispatch_status(key(1))->state == DispatchState::cancelled);
}

TEST_CASE("work queue: recovery abandons every try of a run still queued or claimed") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  w.q->enqueue(key(1), "etl", "{}");
  w.q->enqueue(key(2), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 10s);
  auto b = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE((a && b));
  CHECK(w.q->complete(b->key, b->fence, "{}"));
  CHECK(w.q->abandon_run("r") == 2);  // t0 claimed, t2 queued; t1 is done
  CHECK_FALSE(w.q->renew(a->key, a->fence, 10s).held);
  CHECK_FALSE(w.q->claim({"etl"}, "w2", 10s));
  CHECK(w.q->dispatch_status(key(1))->state == DispatchState::done);
}

TEST_CASE("work queue: a retry waits until the lease of a claim taken back has run out") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 600ms);
  REQUIRE(a);
  CHECK(w.q->abandon_run("r") == 1);  // recovery: the run's engine died
  w.q->enqueue(key(0, 2), "etl", "{}");
  w.q->enqueue(key(1), "etl", "{}");
  auto other = w.q->claim({"etl"}, "w2", 10s);  // another task is not held up
  REQUIRE(other);
  CHECK(other->key.task_id == "t1");
  CHECK_FALSE(w.q->claim({"etl"}, "w2", 10s));  // w1 may still be running try 1
  std::this_thread::sleep_for(900ms);
  auto b = w.q->claim({"etl"}, "w2", 10s);
  REQUIRE(b);
  CHECK(b->key.try_number == 2);
}

TEST_CASE("work queue: workers claiming at once each get different tries, and every try is claimed") {
  Queue w(40);
  if (!w.q) return;
  for (int i = 0; i < 40; ++i) w.q->enqueue(key(i), "etl", "{}");
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::vector<std::thread> workers;
  for (int n = 0; n < 4; ++n)
    workers.emplace_back([&, n] {
      auto store = w.backend.open();  // a process of its own, as workers are
      while (auto c = store->work_queue()->claim({"etl"}, "w" + std::to_string(n), 10s)) {
        std::lock_guard lock(mu);
        claimed.insert(c->key.task_id);
      }
    });
  for (auto& t : workers) t.join();
  CHECK(claimed.size() == 40);
  CHECK(std::set<std::string>(claimed.begin(), claimed.end()).size() == 40);
}

TEST_CASE("work queue: SQLite has none") {
  SqliteBackend backend;
  CHECK(backend.open()->work_queue() == nullptr);
}

TEST_CASE("work queue: a report stores the try's log, any bytes, in parts, a fenced-out one stores none") {
  Queue w;
  if (!w.q) return;
  w.q->enqueue(key(0), "etl", "{}");
  w.q->enqueue(key(1), "etl", "{}");
  auto a = w.q->claim({"etl"}, "w1", 10s);
  auto b = w.q->claim({"etl"}, "w1", 10s);
  REQUIRE((a && b));
  CHECK_FALSE(w.q->stored_log(a->key));  // nothing reported yet
  std::string log;
  for (int i = 0; i < (3 << 20) / 256 + 7; ++i)
    for (int c = 0; c < 256; ++c) log += static_cast<char>(c);  // every byte value, NUL included, past 3 parts
  CHECK_FALSE(w.q->complete(a->key, a->fence + 1, "{}", "not mine"));
  CHECK_FALSE(w.q->stored_log(a->key));
  REQUIRE(w.q->complete(a->key, a->fence, "{}", log));
  CHECK(w.q->stored_log(a->key) == log);
  REQUIRE(w.q->complete(b->key, b->fence, "{}", ""));
  CHECK(w.q->stored_log(b->key) == std::string());  // reported, with an empty log
  CHECK(w.backend.connect().exec("SELECT count(*) FROM task_log WHERE task_id = 't0'").text(0, 0) == "4");
}

TEST_CASE("work queue: an engine stores the log of a try it ran itself, the latest replacing the earlier") {
  Queue w;
  if (!w.q) return;
  CHECK_FALSE(w.q->stored_log(key(2)));
  std::string big(static_cast<size_t>(2.5 * (1 << 20)), 'x');
  big += std::string("\0end", 4);
  w.q->store_log(key(2), big);
  CHECK(w.q->stored_log(key(2)) == big);
  w.q->store_log(key(2), "short\n");  // stored again (a resumed engine): nothing of the longer one is left
  CHECK(w.q->stored_log(key(2)) == "short\n");
  CHECK(w.backend.connect().exec("SELECT count(*) FROM task_log WHERE task_id = 't2'").text(0, 0) == "1");
  // Tries are kept apart.
  w.q->store_log(key(2, 2), "second try\n");
  CHECK(w.q->stored_log(key(2)) == "short\n");
  CHECK(w.q->stored_log(key(2, 2)) == "second try\n");
}

namespace {

// How long `wait` blocked: the watches below must return long before their
// minute-long timeout, which only a missed wake-up would reach.
template <typename Fn>
std::chrono::steady_clock::duration blocked(Fn&& wait) {
  auto start = std::chrono::steady_clock::now();
  wait();
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

TEST_CASE("work queue: an idle worker's watch wakes when a try is queued for it, from another process's store") {
  Queue w;
  if (!w.q) return;
  auto other = w.backend.open();  // another connection set, as another host's engine
  auto watch = w.q->watch_queues({"etl", "other"});
  std::thread engine([&] {
    std::this_thread::sleep_for(100ms);
    other->work_queue()->enqueue(key(0), "etl", "{}");
  });
  CHECK(blocked([&] { watch->wait(60s, nullptr); }) < 30s);
  engine.join();
  CHECK(w.q->claim({"etl"}, "w1", 10s));
  // What was announced before a wait is not lost: it ends the next wait at once.
  other->work_queue()->enqueue(key(1), "other", "{}");
  auto announced = [&] {
    for (int i = 0; i < 300; ++i) {  // the notification travels through the server
      if (blocked([&] { watch->wait(10ms, nullptr); }) < 10ms) return true;
    }
    return false;
  };
  CHECK(announced());
}

TEST_CASE("work queue: the engine's watch on a try wakes on the worker's report, and on a cancel") {
  Queue w;
  if (!w.q) return;
  auto worker_side = w.backend.open();
  w.q->enqueue(key(0), "etl", "{}");
  auto reported = w.q->watch_try(key(0));
  auto claim = worker_side->work_queue()->claim({"etl"}, "w1", 10s);
  REQUIRE(claim);
  std::thread worker([&] {
    std::this_thread::sleep_for(100ms);
    worker_side->work_queue()->complete(claim->key, claim->fence, "{}", "log");
  });
  CHECK(blocked([&] { reported->wait(60s, nullptr); }) < 30s);
  worker.join();
  CHECK(w.q->dispatch_status(key(0))->state == DispatchState::done);

  auto quiet = w.q->watch_try(key(1));
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel("stop");
  });
  CHECK(blocked([&] { quiet->wait(60s, &cancel); }) < 30s);
  canceller.join();
}
