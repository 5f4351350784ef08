#include <doctest/doctest.h>

#include <string>

#include "model/cron.h"

using namespace dagrun;

namespace {

CronFields fields(std::string_view text) {
  std::string why;
  auto s = CronSchedule::parse(text, &why);
  INFO(why);
  REQUIRE(s);
  return s->fields();
}

std::string error_of(std::string_view text) {
  std::string why;
  CHECK_FALSE(CronSchedule::parse(text, &why));
  return why;
}

template <size_t N>
std::string bits(const std::bitset<N>& b) {
  std::string out;
  for (size_t i = 0; i < N; ++i)
    if (b[i]) out += (out.empty() ? "" : ",") + std::to_string(i);
  return out;
}

}  // namespace

TEST_CASE("cron fields: star, lists, ranges and steps") {
  CronFields f = fields("*/10 1-20/5 1,15,31 * 1-5");
  CHECK(bits(f.minutes) == "0,10,20,30,40,50");
  CHECK(bits(f.hours) == "1,6,11,16");
  CHECK(bits(fields("1-30/5 * * * *").minutes) == "1,6,11,16,21,26");
  CHECK(bits(f.days_of_month) == "1,15,31");
  CHECK(f.months.count() == 12);
  CHECK_FALSE(f.months[0]);
  CHECK(bits(f.days_of_week) == "1,2,3,4,5");
  CHECK_FALSE(f.day_of_month_star);
  CHECK_FALSE(f.day_of_week_star);

  CronFields g = fields("0,5-7,59 */6 */10 */3 *");
  CHECK(bits(g.minutes) == "0,5,6,7,59");
  CHECK(bits(g.hours) == "0,6,12,18");
  CHECK(bits(g.days_of_month) == "1,11,21,31");
  CHECK(bits(g.months) == "1,4,7,10");
  CHECK(g.day_of_month_star);  // "*/10" starts with '*': Vixie treats it as unrestricted
  CHECK(g.day_of_week_star);
  CHECK(g.days_of_week.count() == 7);
}

TEST_CASE("cron: a single value with a step runs to the end of the range") {
  CHECK(bits(fields("5/15 * * * *").minutes) == "5,20,35,50");
}

TEST_CASE("cron: month and weekday names in any case, 7 is Sunday") {
  CHECK(bits(fields("0 0 * JAN-MAR,dec *").months) == "1,2,3,12");
  CHECK(bits(fields("0 0 * * mon-FRI").days_of_week) == "1,2,3,4,5");
  CHECK(bits(fields("0 0 * * 7").days_of_week) == "0");
  CHECK(bits(fields("0 0 * * 5-7").days_of_week) == "0,5,6");
  CHECK(bits(fields("0 0 * * FRI-SUN").days_of_week) == "0,5,6");
  CHECK(bits(fields("0 0 * * sun,sat").days_of_week) == "0,6");
  CHECK(bits(fields("0 0 * * */2").days_of_week) == "0,2,4,6");
}

TEST_CASE("cron presets expand to their five fields") {
  auto same = [](std::string_view preset, std::string_view expr) {
    CronFields a = fields(preset), b = fields(expr);
    CHECK(a.minutes == b.minutes);
    CHECK(a.hours == b.hours);
    CHECK(a.days_of_month == b.days_of_month);
    CHECK(a.months == b.months);
    CHECK(a.days_of_week == b.days_of_week);
  };
  same("@hourly", "0 * * * *");
  same("@daily", "0 0 * * *");
  same("@midnight", "0 0 * * *");
  same("@weekly", "0 0 * * 0");
  same("@monthly", "0 0 1 * *");
  same("@yearly", "0 0 1 1 *");
  same("@annually", "0 0 1 1 *");
  same("@DAILY", "0 0 * * *");
  auto once = CronSchedule::parse("@once");
  REQUIRE(once);
  CHECK(once->once());
  CHECK_FALSE(CronSchedule::parse("@daily")->once());
  CHECK(CronSchedule::parse("  0 0 * * *  ")->text() == "0 0 * * *");
}

TEST_CASE("cron errors name the field and what is wrong") {
  CHECK(error_of("") == "empty cron expression");
  CHECK(error_of("* * * *") ==
        "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  CHECK(error_of("0 0 * * * *") ==
        "expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  CHECK(error_of("60 * * * *") == "field 1 (minute): 60 is out of range 0-59");
  CHECK(error_of("0 24 * * *") == "field 2 (hour): 24 is out of range 0-23");
  CHECK(error_of("0 0 0 * *") == "field 3 (day-of-month): 0 is out of range 1-31");
  CHECK(error_of("0 0 32 * *") == "field 3 (day-of-month): 32 is out of range 1-31");
  CHECK(error_of("0 0 * 13 *") == "field 4 (month): 13 is out of range 1-12");
  CHECK(error_of("0 0 * * 8") == "field 5 (day-of-week): 8 is out of range 0-7");
  CHECK(error_of("0 0 * JNU *") == "field 4 (month): unknown name 'JNU' (did you mean 'JUN'?)");
  CHECK(error_of("0 0 * * MON-FRY") ==
        "field 5 (day-of-week): unknown name 'FRY' (did you mean 'FRI'?)");
  CHECK(error_of("0 0 MON * *") == "field 3 (day-of-month): 'MON' is not a number");
  CHECK(error_of("30-10 * * * *") == "field 1 (minute): range 30-10 is reversed (write 10-30)");
  CHECK(error_of("*/0 * * * *") == "field 1 (minute): step must be at least 1");
  CHECK(error_of("*/ * * * *") == "field 1 (minute): missing step after '/'");
  CHECK(error_of("*/x * * * *") == "field 1 (minute): step 'x' is not a number");
  CHECK(error_of("1,,2 * * * *") == "field 1 (minute): empty list item in '1,,2'");
  CHECK(error_of("1- * * * *") == "field 1 (minute): missing number");
  CHECK(error_of("99999999999 * * * *") == "field 1 (minute): 99999999999 is out of range 0-59");
  CHECK(error_of("? * * * *") == "field 1 (minute): '?' is not a number");
  CHECK(error_of("@dialy") == "unknown preset '@dialy' (did you mean '@daily'?)");
  CHECK(error_of("@reboot") == "unknown preset '@reboot'");
}

TEST_CASE("cron rejects days that never come") {
  CHECK(error_of("0 0 30 2 *") == "never fires: no chosen month has day 30");
  CHECK(error_of("0 0 31 4,6,9,11 *") == "never fires: no chosen month has day 31");
  CHECK(CronSchedule::parse("0 0 29 2 *"));        // leap years
  CHECK(CronSchedule::parse("0 0 31 4,5 *"));      // May has a 31st
  CHECK(CronSchedule::parse("0 0 30 2 MON"));      // OR rule: every Monday in February
}
