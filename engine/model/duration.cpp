#include "model/duration.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace dagrun {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// "ms" before "m" so the longest unit wins.
constexpr Unit kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000},
};

constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max();

bool fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text, std::string* error) {
  if (text.empty()) {
    fail(error, "empty duration");
    return std::nullopt;
  }
  std::int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    std::int64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      int digit = text[pos] - '0';
      if (value > (kMaxMs - digit) / 10) {
        fail(error, "duration is too large");
        return std::nullopt;
      }
      value = value * 10 + digit;
      ++pos;
    }
    if (pos == start) {
      fail(error, "expected a number at '" + std::string(text.substr(pos)) + "'");
      return std::nullopt;
    }
    size_t unit_start = pos;
    while (pos < text.size() && (text[pos] < '0' || text[pos] > '9') && text[pos] != ' ') ++pos;
    if (pos < text.size() && text[pos] == ' ') {
      fail(error, "unexpected space (write durations without spaces, such as 1h30m)");
      return std::nullopt;
    }
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    if (unit.empty()) {
      fail(error, "missing unit after " + std::string(text.substr(start, pos - start)) +
                      " (expected ms, s, m, h or d)");
      return std::nullopt;
    }
    const Unit* found = nullptr;
    for (const Unit& u : kUnits)
      if (u.name == unit) found = &u;
    if (!found) {
      fail(error, "unknown unit '" + std::string(unit) + "' (expected ms, s, m, h or d)");
      return std::nullopt;
    }
    if (value > (kMaxMs - total) / found->ms) {
      fail(error, "duration is too large");
      return std::nullopt;
    }
    total += value * found->ms;
  }
  return Duration(total);
}

std::optional<Duration> duration_from_seconds(double seconds, std::string* error) {
  if (!(seconds >= 0)) {
    fail(error, "duration must not be negative");
    return std::nullopt;
  }
  double ms = std::round(seconds * 1000.0);
  // 2^63 is exactly representable, so the comparison is safe at the edge.
  if (ms >= 9223372036854775808.0) {
    fail(error, "duration is too large");
    return std::nullopt;
  }
  return Duration(static_cast<std::int64_t>(ms));
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms <= 0) return "0s";
  std::string out;
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms >= it->ms) {
      out += std::to_string(ms / it->ms);
      out += it->name;
      ms %= it->ms;
    }
  }
  return out;
}

}  // namespace dagrun
