// IANA time zones read from the system's TZif files (/usr/share/zoneinfo, or
// $TZDIR), so schedules can be written in a DAG's local time and stay correct
// across daylight-saving changes. g++ 12's <chrono> has no time zone database,
// so dagrun reads the files itself: the transitions they list, then the POSIX
// rule in their footer for the years after the last one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time_types.h"

namespace dagrun {

// A wall-clock time with no zone attached, to the second.
struct CivilTime {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int hour = 0;
  int minute = 0;
  int second = 0;
  friend auto operator<=>(const CivilTime&, const CivilTime&) = default;
};

// Seconds since the epoch of a civil time read as if it were UTC, and back.
std::int64_t civil_to_seconds(const CivilTime& c);
CivilTime seconds_to_civil(std::int64_t s);

// Zone names a misspelt `name` may have meant, for a suggestion: the zones of
// its region ("Asia/Seol": those in Asia/, "Asia": those in Asia/ too) plus
// UTC. Only files that are zones: never a region directory or a table.
std::vector<std::string> zone_names_near(std::string_view name);

class TimeZone {
 public:
  // "UTC" (also "Etc/UTC", "Z") needs no file. Throws std::runtime_error with
  // a reason when the name is unknown or its file cannot be read.
  static TimeZone load(std::string_view name);
  static TimeZone utc();

  const std::string& name() const { return name_; }
  bool is_utc() const;

  // Offset from UTC in seconds at instant t (UTC seconds since the epoch).
  int offset_at(std::int64_t utc_seconds) const;
  CivilTime to_local(TimePoint t) const;

  // The instants whose local time is `local`: one normally, none inside a
  // spring-forward gap, two inside a fall-back overlap (earlier first).
  std::vector<TimePoint> from_local(const CivilTime& local) const;

 private:
  struct Rule;  // a POSIX TZ rule (the footer)
  struct Data;
  static std::optional<Rule> parse_rule(std::string_view text);
  std::string name_;
  std::shared_ptr<const Data> data_;
};

}  // namespace dagrun
