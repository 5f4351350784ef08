#include <doctest/doctest.h>

#include <string>

#include "model/iso_time.h"
#include "model/cron.h"

using namespace dagrun;

namespace {

// The next fire time after an ISO instant, as ISO text.
std::string next(std::string_view expr, std::string_view after) {
  auto s = CronSchedule::parse(expr);
  REQUIRE(s);
  auto t = parse_iso8601(after);
  REQUIRE(t);
  auto n = s->next_after(*t);
  return n ? format_iso8601(*n) : "never";
}

}  // namespace

TEST_CASE("next_after is strictly later and on a whole minute") {
  CHECK(next("*/10 * * * *", "2025-06-01T10:03:25.5Z") == "2025-06-01T10:10:00.000Z");
  CHECK(next("*/10 * * * *", "2025-06-01T10:10:00Z") == "2025-06-01T10:20:00.000Z");
  CHECK(next("*/10 * * * *", "2025-06-01T10:09:59.999Z") == "2025-06-01T10:10:00.000Z");
  CHECK(next("* * * * *", "2025-06-01T10:10:00Z") == "2025-06-01T10:11:00.000Z");
  CHECK(next("30 9 * * *", "2025-06-01T09:30:00Z") == "2025-06-02T09:30:00.000Z");
}

TEST_CASE("next_after rolls over days, months and years") {
  CHECK(next("@daily", "2025-12-31T23:59:00Z") == "2026-01-01T00:00:00.000Z");
  CHECK(next("@hourly", "2025-12-31T23:00:00Z") == "2026-01-01T00:00:00.000Z");
  CHECK(next("0 0 1 * *", "2025-01-31T12:00:00Z") == "2025-02-01T00:00:00.000Z");
  CHECK(next("@yearly", "2025-06-01T00:00:00Z") == "2026-01-01T00:00:00.000Z");
  CHECK(next("15 14 1 * *", "2025-02-01T14:16:00Z") == "2025-03-01T14:15:00.000Z");
}

TEST_CASE("next_after skips months too short for the day") {
  CHECK(next("0 0 31 * *", "2025-04-01T00:00:00Z") == "2025-05-31T00:00:00.000Z");
  CHECK(next("0 0 31 * *", "2025-05-31T00:00:00Z") == "2025-07-31T00:00:00.000Z");
  CHECK(next("0 0 30 * *", "2025-01-30T00:00:00Z") == "2025-03-30T00:00:00.000Z");
  CHECK(next("0 0 29 * *", "2025-01-29T00:00:00Z") == "2025-03-29T00:00:00.000Z");
  CHECK(next("0 0 29 * *", "2024-01-29T00:00:00Z") == "2024-02-29T00:00:00.000Z");
}

TEST_CASE("next_after finds February 29 across leap years and centuries") {
  CHECK(next("0 12 29 2 *", "2025-03-01T00:00:00Z") == "2028-02-29T12:00:00.000Z");
  CHECK(next("0 12 29 2 *", "2028-02-29T12:00:00Z") == "2032-02-29T12:00:00.000Z");
  // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
  CHECK(next("0 12 29 2 *", "2096-03-01T00:00:00Z") == "2104-02-29T12:00:00.000Z");
  CHECK(next("0 12 29 2 *", "1999-01-01T00:00:00Z") == "2000-02-29T12:00:00.000Z");
}

TEST_CASE("next_after ORs day-of-month and day-of-week when both are restricted") {
  // The 1st or any Monday: Sunday 1 June 2025, then Monday 2 June.
  CHECK(next("0 0 1 * 1", "2025-05-28T00:00:00Z") == "2025-06-01T00:00:00.000Z");
  CHECK(next("0 0 1 * 1", "2025-06-01T00:00:00Z") == "2025-06-02T00:00:00.000Z");
  CHECK(next("0 0 1 * 1", "2025-06-02T00:00:00Z") == "2025-06-09T00:00:00.000Z");
  // February 30 never comes, but Mondays in February do.
  CHECK(next("0 0 30 2 MON", "2025-01-01T00:00:00Z") == "2025-02-03T00:00:00.000Z");
}

TEST_CASE("next_after ANDs the day fields when one of them starts with '*'") {
  CHECK(next("0 0 * * 1", "2025-06-01T00:00:00Z") == "2025-06-02T00:00:00.000Z");
  // Odd days that are Mondays: 2 June is even, 9 June is odd.
  CHECK(next("0 0 */2 * 1", "2025-06-01T00:00:00Z") == "2025-06-09T00:00:00.000Z");
  CHECK(next("0 0 * * 7", "2025-06-02T00:00:00Z") == "2025-06-08T00:00:00.000Z");
  CHECK(next("@weekly", "2025-06-02T00:00:00Z") == "2025-06-08T00:00:00.000Z");
  // Days 1, 13 and 25 ("*/12") only when they fall on a Friday.
  CHECK(next("0 0 */12 * FRI", "2025-01-01T00:00:00Z") == "2025-04-25T00:00:00.000Z");
  CHECK(next("0 0 */12 * FRI", "2025-04-25T00:00:00Z") == "2025-06-13T00:00:00.000Z");
}

TEST_CASE("@once has no recurring fire time") {
  CHECK(next("@once", "2025-06-01T00:00:00Z") == "never");
}

TEST_CASE("next_match works on civil minutes, without a time zone") {
  auto s = CronSchedule::parse("45 23 31 12 *");
  REQUIRE(s);
  auto n = next_match(s->fields(), CivilMinute{2025, 12, 31, 23, 45});
  REQUIRE(n);
  CHECK(*n == CivilMinute{2026, 12, 31, 23, 45});
  CHECK(s->fields().matches_day(12, 31, 3));
  CHECK_FALSE(s->fields().matches_day(11, 30, 3));
  CHECK(s->fields().matches_time(23, 45));
  CHECK_FALSE(s->fields().matches_time(23, 44));
}
