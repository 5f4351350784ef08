#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "base/cancel.h"

using namespace dagrun;
using namespace std::chrono_literals;

namespace {

// Runs body on a thread and aborts the test binary, naming the test, if it
// has not returned after a minute: a deadlock must fail, not hang the suite.
template <class F>
void without_deadlock(const char* what, F body) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread t([&] {
    body();
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, 60s, [&] { return done; })) {
    std::fprintf(stderr, "deadlock: %s\n", what);
    std::abort();
  }
  lock.unlock();
  t.join();
}

}  // namespace

TEST_CASE("cancel tokens: the first reason wins, and suspend is remembered") {
  CancelToken a;
  CHECK(a.reason().empty());
  a.suspend("scheduler stopped");
  a.cancel("later");
  CHECK(a.cancelled());
  CHECK(a.suspended());
  CHECK(a.reason() == "scheduler stopped");

  CancelToken b;
  b.cancel("ctrl-c");
  b.suspend("too late");
  CHECK(b.cancelled());
  CHECK_FALSE(b.suspended());
  CHECK(b.reason() == "ctrl-c");
}

TEST_CASE("cancel tokens call each live listener once, never after its subscription ends") {
  CancelToken token;
  int first = 0, second = 0, ended = 0;
  auto s1 = token.subscribe([&] { ++first; });
  std::optional<CancelToken::Subscription> s2(token.subscribe([&] { ++second; }));
  { auto s3 = token.subscribe([&] { ++ended; }); }
  s2.reset();
  token.cancel("stop");
  token.cancel("again");
  CHECK(first == 1);
  CHECK(second == 0);
  CHECK(ended == 0);
  // Already cancelled: the subscriber checks cancelled() itself.
  int late = 0;
  auto s4 = token.subscribe([&] { ++late; });
  CHECK(late == 0);
}

TEST_CASE("a cancel token's listener may end its own subscription") {
  CancelToken token;
  int calls = 0;
  std::optional<CancelToken::Subscription> sub;
  sub.emplace(token.subscribe([&] {
    ++calls;
    sub.reset();
  }));
  without_deadlock("listener ending its subscription", [&] { token.cancel("stop"); });
  CHECK(calls == 1);
  CHECK_FALSE(sub.has_value());
}

// The order a run keeps: it subscribes and reads the reason while holding its
// own mutex, and its listener takes that mutex. The token used to call
// listeners under its mutex, so cancelling from another thread deadlocked
// (and ThreadSanitizer reported the inversion) when the two met.
TEST_CASE("cancelling while another thread holds the listener's lock and reads the token does not deadlock") {
  without_deadlock("cancel against subscribe and reason under the run lock", [] {
    for (int round = 0; round < 300; ++round) {
      CancelToken token;
      std::mutex run_mu;
      int woken = 0;
      std::optional<CancelToken::Subscription> sub;
      {
        std::lock_guard lock(run_mu);
        sub.emplace(token.subscribe([&] {
          std::lock_guard l(run_mu);
          ++woken;
        }));
      }
      std::thread canceller([&] { token.cancel("stop"); });
      std::string seen;
      for (int i = 0; i < 50; ++i) {
        std::lock_guard lock(run_mu);
        auto more = token.subscribe([&] { ++woken; });  // also under the lock
        seen = token.reason();
        if (!seen.empty()) break;
      }
      canceller.join();
      sub.reset();  // without run_mu, as the contract says
      std::lock_guard lock(run_mu);
      CHECK(woken >= 1);
      CHECK(token.reason() == "stop");
    }
  });
}

TEST_CASE("ending a subscription waits for its listener: nothing it uses is freed under it") {
  without_deadlock("subscription end against a call in progress", [] {
    for (int round = 0; round < 200; ++round) {
      CancelToken token;
      auto state = std::make_unique<std::atomic<int>>(0);
      std::atomic<int>* raw = state.get();
      std::optional<CancelToken::Subscription> sub(token.subscribe([raw] {
        raw->fetch_add(1);
        std::this_thread::yield();
        raw->fetch_add(1);
      }));
      std::thread canceller([&] { token.cancel("stop"); });
      sub.reset();
      // After the subscription ended, the listener is not running and will
      // not run: its state can go (ASan/TSan would report a use after free).
      const int calls = raw->load();
      CHECK((calls == 0 || calls == 2));
      state.reset();
      canceller.join();
    }
  });
}
