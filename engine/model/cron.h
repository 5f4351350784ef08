// Cron expressions: five fields (minute hour day-of-month month day-of-week) or a preset.
//
// Field matching (CronFields) is kept apart from time arithmetic (next_match works on
// civil, zone-less times) so a time zone aware schedule can reuse both and only change
// how instants map to civil times; next_after is the UTC mapping.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "model/time_types.h"

namespace dagrun {

struct CronFields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bits 1-31
  std::bitset<13> months;         // bits 1-12
  std::bitset<7> days_of_week;    // 0 = Sunday; 7 in the text is folded into 0
  // Vixie cron: a day field written starting with '*' ("*", "*/2") does not restrict.
  // When both day fields restrict, a day matches if either matches (OR); otherwise
  // both must match.
  bool day_of_month_star = true;
  bool day_of_week_star = true;

  bool matches_time(int hour, int minute) const;
  // weekday: 0 = Sunday .. 6 = Saturday
  bool matches_day(int month, int day_of_month, int weekday) const;
};

// A wall-clock minute with no time zone attached.
struct CivilMinute {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int hour = 0;
  int minute = 0;
  friend bool operator==(const CivilMinute&, const CivilMinute&) = default;
};

// The first civil minute strictly after `after` that the fields match; nullopt when
// none does within the 400-year Gregorian cycle (that is, never).
std::optional<CivilMinute> next_match(const CronFields& fields, const CivilMinute& after);

class CronSchedule {
 public:
  // Five fields or a preset: @hourly @daily @midnight @weekly @monthly @yearly
  // @annually @once. On failure returns nullopt and, when error is given, says why:
  // "field 2 (hour): 24 is out of range 0-23". Expressions that can never fire
  // ("0 0 30 2 *") are rejected too.
  static std::optional<CronSchedule> parse(std::string_view text, std::string* error = nullptr);

  // @once: a single run at the DAG's start date; no recurring fire times.
  bool once() const { return once_; }
  const CronFields& fields() const { return fields_; }
  const std::string& text() const { return text_; }

  // The first fire time strictly after t, in UTC, at whole minutes; nullopt for @once.
  std::optional<TimePoint> next_after(TimePoint t) const;

 private:
  CronSchedule() = default;
  std::string text_;
  CronFields fields_;
  bool once_ = false;
};

}  // namespace dagrun
