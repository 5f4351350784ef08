// Dates the bot reads (RFC 822 from Naver) and writes (ISO 8601, day stamps).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dagrun::news {

using SysTime = std::chrono::system_clock::time_point;

struct PubDate {
  std::string iso;        // "2026-11-29T10:00:00+09:00": the local time with its offset
  std::int64_t epoch = 0;  // seconds since the epoch, for ordering
};

// Parses an RFC 822 / RFC 2822 date: "Sun, 29 Nov 2026 10:00:00 +0900". The
// weekday is optional (and not checked against the date, as mail readers do);
// seconds are optional; two-digit years follow RFC 2822 (< 50: 20xx). Zones:
// +hhmm/-hhmm, GMT, UT, UTC, Z and the US zones (EST, EDT, CST, ... PDT).
// Returns nullopt for anything else, or an impossible date (31 Apr, 29 Feb 2025,
// 24:00, minute 60).
std::optional<PubDate> parse_rfc822(std::string_view text);

// Korea has no daylight saving time: KST is always UTC+9.
constexpr std::chrono::hours kKstOffset{9};

// "20261129": the calendar day of t in KST.
std::string kst_day_stamp(SysTime t);

// Days since 1970-01-01 of a "YYYYMMDD" stamp, or nullopt if it is not a real date.
std::optional<std::int64_t> day_stamp_days(std::string_view stamp);

// Days since 1970-01-01 of t's calendar day in KST.
std::int64_t kst_days(SysTime t);

}  // namespace dagrun::news
