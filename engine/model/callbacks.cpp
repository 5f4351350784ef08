#include "model/callbacks.h"

#include <array>

namespace dagrun {
namespace {

constexpr std::array<std::string_view, kCallbackEventCount> kNames{"failure", "retry", "success", "deadline"};
constexpr std::array<std::string_view, kCallbackEventCount> kKeys{"on_failure", "on_retry", "on_success",
                                                                  "on_deadline"};
constexpr std::array<std::string_view, 3> kFroms{"data_interval_end", "logical_date", "queued_at"};

}  // namespace

std::string_view to_string(CallbackEvent e) { return kNames[static_cast<size_t>(e)]; }

std::optional<CallbackEvent> parse_callback_event(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == s) return static_cast<CallbackEvent>(i);
  return std::nullopt;
}

std::string_view callback_key(CallbackEvent e) { return kKeys[static_cast<size_t>(e)]; }

std::string_view to_string(DeadlineSpec::From from) { return kFroms[static_cast<size_t>(from)]; }

std::optional<DeadlineSpec::From> parse_deadline_from(std::string_view s) {
  for (size_t i = 0; i < kFroms.size(); ++i)
    if (kFroms[i] == s) return static_cast<DeadlineSpec::From>(i);
  return std::nullopt;
}

}  // namespace dagrun
