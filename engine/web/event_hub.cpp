#include "web/event_hub.h"

namespace dagrun::web {
namespace {

EventText frame(std::uint64_t id, std::string_view type, const std::string& data) {
  // data holds compact JSON: one line, as an SSE data field must be.
  std::string out = "id: " + std::to_string(id) + "\nevent: ";
  out.append(type);
  out += "\ndata: " + data + "\n\n";
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace

void EventHub::send_all(const EventText& text) {
  // Sinks only queue (they never block), so calling them under the lock keeps
  // every subscriber's events in order.
  std::erase_if(sinks_, [&](const EventSink& sink) { return !sink(text); });
}

void EventHub::publish(std::string_view type, const std::string& json_data) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  ring_.push_back({id, frame(id, type, json_data)});
  if (ring_.size() > kept_) ring_.pop_front();
  send_all(ring_.back().text);
}

void EventHub::heartbeat() {
  std::lock_guard lock(mu_);
  static const EventText beat = std::make_shared<const std::string>(": keep-alive\n\n");
  send_all(beat);
}

void EventHub::subscribe(std::optional<std::uint64_t> last_event_id, EventSink sink) {
  std::lock_guard lock(mu_);
  // The stream opens with a retry hint: reconnect after a second.
  static const EventText retry = std::make_shared<const std::string>("retry: 1000\n\n");
  if (!sink(retry)) return;
  if (last_event_id) {
    const std::uint64_t last = *last_event_id;
    const bool known = last < next_id_;
    const bool all_kept = ring_.empty() ? last + 1 >= next_id_ : ring_.front().id <= last + 1;
    if (known && all_kept) {
      for (const Event& e : ring_)
        if (e.id > last && !sink(e.text)) return;
    } else if (!sink(frame(next_id_ - 1, "reset", "{}"))) {
      return;
    }
  }
  sinks_.push_back(std::move(sink));
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(mu_);
  return sinks_.size();
}

std::uint64_t EventHub::last_id() const {
  std::lock_guard lock(mu_);
  return next_id_ - 1;
}

}  // namespace dagrun::web
