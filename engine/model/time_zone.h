// IANA time zones read from the system's TZif files (/usr/share/zoneinfo, or
// $TZDIR), so schedules can be written in a DAG's local time and stay correct
// across daylight-saving changes. g++ 12's <chrono> has no time zone database,
// so dagrun reads the files itself: the transitions they list, then the POSIX
// rule in their footer for the years after the last one.
//
// Not Howard Hinnant's date/tz, which Debian 12 ships built on the same files
// (libhowardhinnant-date-dev 3.0.1, USE_OS_TZDB=1), because, measured with
// tzdata 2025b:
// - it ignores the footer rule and keeps the last listed offset for ever: past
//   2037, where Debian's files stop listing changes, Europe/Berlin in July 2090
//   is +01:00, not +02:00, and of 3,000 random instants in 1950-2100 it
//   disagrees with glibc on 697 in Berlin, 821 in New York, 628 in Sydney and
//   604 in Chatham, where this reader agrees on all (time_zone_test.cpp).
//   Files built "slim" (zic's default since 2020b) stop far earlier. Upstream
//   knows (HowardHinnant/date issues 794 and 614, open).
// - its first locate_zone lists the whole database by walking and stat-ing
//   every file under /usr/share/zoneinfo: 2.5 ms in a fresh process, against
//   0.07 ms for reading the one file here, so `dagrun validate` of a DAG in
//   Asia/Seoul took 11.0 ms instead of 8.5 ms.
// - it hard-codes /usr/share/zoneinfo, so $TZDIR would stop working.
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
  // a reason when the name is unknown or its file cannot be read. The name is
  // a DAG's: one that could leave the zone directory, holds a NUL or is longer
  // than any zone's is refused before a path is made of it.
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
