#include "model/callbacks.h"

#include <array>

namespace dagrun {
namespace {

constexpr std::array<std::string_view, kCallbackEventCount> kNames{"failure", "retry", "success"};
constexpr std::array<std::string_view, kCallbackEventCount> kKeys{"on_failure", "on_retry", "on_success"};

}  // namespace

std::string_view to_string(CallbackEvent e) { return kNames[static_cast<size_t>(e)]; }

std::optional<CallbackEvent> parse_callback_event(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == s) return static_cast<CallbackEvent>(i);
  return std::nullopt;
}

std::string_view callback_key(CallbackEvent e) { return kKeys[static_cast<size_t>(e)]; }

}  // namespace dagrun
