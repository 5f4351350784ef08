// The web's event hub: numbering, resuming after Last-Event-ID, the reset
// when the missed events are gone, and subscribers that go away.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "web/event_hub.h"

using namespace dagrun::web;

namespace {

struct Collector {
  std::vector<std::string> texts;
  bool open = true;
  EventSink sink() {
    return [this](const EventText& t) {
      if (!open) return false;
      texts.push_back(*t);
      return true;
    };
  }
  std::string joined() const {
    std::string out;
    for (const auto& t : texts) out += t;
    return out;
  }
};

}  // namespace

TEST_CASE("events are numbered frames sent to every subscriber in order") {
  EventHub hub;
  Collector a, b;
  hub.subscribe(std::nullopt, a.sink());
  hub.subscribe(std::nullopt, b.sink());
  hub.publish("run", R"({"run_id":"r"})");
  hub.publish("task", R"({"task_id":"t"})");
  CHECK(a.joined() == "retry: 1000\n\nid: 1\nevent: run\ndata: {\"run_id\":\"r\"}\n\n"
                      "id: 2\nevent: task\ndata: {\"task_id\":\"t\"}\n\n");
  CHECK(b.texts == a.texts);
  CHECK(hub.last_id() == 2);
}

TEST_CASE("a client that reconnects with Last-Event-ID gets what it missed, then what comes") {
  EventHub hub;
  for (int i = 0; i < 5; ++i) hub.publish("run", std::to_string(i));
  Collector c;
  hub.subscribe(3, c.sink());
  hub.publish("run", "5");
  const std::string got = c.joined();
  CHECK(got.find("id: 3\n") == std::string::npos);
  CHECK(got.find("id: 4\nevent: run\ndata: 3\n") != std::string::npos);
  CHECK(got.find("id: 5\nevent: run\ndata: 4\n") != std::string::npos);
  CHECK(got.find("id: 6\nevent: run\ndata: 5\n") != std::string::npos);
  CHECK(got.find("reset") == std::string::npos);

  Collector up_to_date;
  hub.subscribe(6, up_to_date.sink());
  CHECK(up_to_date.joined() == "retry: 1000\n\n");
}

TEST_CASE("a client that missed more than is kept, or comes from another server, is told to reset") {
  EventHub hub(3);
  for (int i = 0; i < 10; ++i) hub.publish("run", std::to_string(i));
  Collector old;
  hub.subscribe(2, old.sink());  // events 3 to 7 are gone
  CHECK(old.joined() == "retry: 1000\n\nid: 10\nevent: reset\ndata: {}\n\n");
  Collector future;
  hub.subscribe(99, future.sink());  // this server never gave 99: it restarted
  CHECK(future.joined().find("event: reset") != std::string::npos);
  Collector edge;
  hub.subscribe(7, edge.sink());  // 8, 9 and 10 are kept
  CHECK(edge.joined().find("reset") == std::string::npos);
  CHECK(edge.joined().find("id: 8\n") != std::string::npos);
}

TEST_CASE("a subscriber whose sink refuses is dropped") {
  EventHub hub;
  Collector stays, leaves;
  hub.subscribe(std::nullopt, stays.sink());
  hub.subscribe(std::nullopt, leaves.sink());
  CHECK(hub.subscribers() == 2);
  leaves.open = false;
  hub.publish("run", "1");
  CHECK(hub.subscribers() == 1);
  hub.heartbeat();
  CHECK(stays.texts.back() == ": keep-alive\n\n");
}

TEST_CASE("publishing and subscribing from many threads keeps each subscriber's events in order") {
  EventHub hub(100000);
  std::mutex mu;
  std::vector<std::vector<std::uint64_t>> seen(8);
  std::vector<std::thread> threads;
  for (int s = 0; s < 8; ++s)
    threads.emplace_back([&, s] {
      hub.subscribe(0, [&, s](const EventText& t) {
        const std::string_view text(*t);
        if (text.substr(0, 4) == "id: ") {
          std::lock_guard lock(mu);
          seen[s].push_back(std::stoull(std::string(text.substr(4, text.find('\n') - 4))));
        }
        return true;
      });
    });
  for (int p = 0; p < 4; ++p)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) hub.publish("run", "{}");
    });
  for (auto& t : threads) t.join();
  for (const auto& ids : seen) {
    // Resumed from 0, each subscriber has every event exactly once, in order.
    REQUIRE(ids.size() == 2000);
    for (size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == i + 1);
  }
}
