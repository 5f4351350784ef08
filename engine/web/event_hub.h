// Server-sent events for every client of `dagrun serve`: what changed in the
// history, numbered, kept in a ring so a client that reconnects with
// Last-Event-ID gets what it missed, and sent to each subscriber through a
// function the connection gives (which may refuse: the client is gone or too
// slow, and is dropped).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun::web {

// Queues text to a client's connection; false once the connection is gone or
// will not take more. The text is shared by every client, never copied.
using EventText = std::shared_ptr<const std::string>;
using EventSink = std::function<bool(EventText)>;

class EventHub {
 public:
  explicit EventHub(std::size_t kept = 10000) : kept_(kept) {}

  // Numbers the event, keeps it, and sends it to every subscriber.
  void publish(std::string_view type, const std::string& json_data);

  // A comment line every subscriber gets: keeps proxies from closing an idle
  // stream, and finds clients that went away.
  void heartbeat();

  // Adds a subscriber. With last_event_id, first sends the kept events after
  // it, or a `reset` event when they are no longer all kept (or the id is not
  // one this server gave: it restarted), telling the client to read the
  // state again. Thread-safe, as is everything here.
  void subscribe(std::optional<std::uint64_t> last_event_id, EventSink sink);

  std::size_t subscribers() const;
  std::uint64_t last_id() const;

 private:
  struct Event {
    std::uint64_t id;
    EventText text;  // as sent: "id: ...\nevent: ...\ndata: ...\n\n"
  };
  void send_all(const EventText& text);

  const std::size_t kept_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::deque<Event> ring_;
  std::vector<EventSink> sinks_;
};

}  // namespace dagrun::web
