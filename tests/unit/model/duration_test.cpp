#include <doctest/doctest.h>

#include "model/duration.h"

using namespace dagrun;
using namespace std::chrono_literals;

TEST_CASE("durations read every unit and combinations") {
  CHECK(parse_duration("500ms") == Duration(500));
  CHECK(parse_duration("30s") == Duration(30'000));
  CHECK(parse_duration("1m") == Duration(60'000));
  CHECK(parse_duration("2h") == Duration(7'200'000));
  CHECK(parse_duration("7d") == Duration(7 * 86'400'000LL));
  CHECK(parse_duration("1h30m") == Duration(90 * 60'000));
  CHECK(parse_duration("1m500ms") == Duration(60'500));
  CHECK(parse_duration("0s") == Duration(0));
}

TEST_CASE("durations explain what is wrong") {
  std::string why;
  CHECK_FALSE(parse_duration("", &why));
  CHECK(why == "empty duration");
  CHECK_FALSE(parse_duration("30", &why));
  CHECK(why == "missing unit after 30 (expected ms, s, m, h or d)");
  CHECK_FALSE(parse_duration("1x", &why));
  CHECK(why == "unknown unit 'x' (expected ms, s, m, h or d)");
  CHECK_FALSE(parse_duration("1H", &why));
  CHECK(why == "unknown unit 'H' (expected ms, s, m, h or d)");
  CHECK_FALSE(parse_duration("m", &why));
  CHECK(why == "expected a number at 'm'");
  CHECK_FALSE(parse_duration("-5s", &why));
  CHECK(why == "expected a number at '-5s'");
  CHECK_FALSE(parse_duration("5 m", &why));
  CHECK(why == "unexpected space (write durations without spaces, such as 1h30m)");
  CHECK_FALSE(parse_duration("99999999999999999999d", &why));
  CHECK(why == "duration is too large");
  CHECK_FALSE(parse_duration("200000000000d", &why));
  CHECK(why == "duration is too large");
}

TEST_CASE("durations from seconds keep milliseconds") {
  CHECK(duration_from_seconds(0) == Duration(0));
  CHECK(duration_from_seconds(90) == Duration(90'000));
  CHECK(duration_from_seconds(1.5) == Duration(1'500));
  CHECK(duration_from_seconds(0.0004) == Duration(0));
  CHECK(duration_from_seconds(0.0006) == Duration(1));
  std::string why;
  CHECK_FALSE(duration_from_seconds(-1, &why));
  CHECK(why == "duration must not be negative");
  CHECK_FALSE(duration_from_seconds(1e300, &why));
  CHECK(why == "duration is too large");
}

TEST_CASE("durations format as the shortest text that reads back") {
  CHECK(format_duration(Duration(0)) == "0s");
  CHECK(format_duration(Duration(-5)) == "0s");
  CHECK(format_duration(Duration(500)) == "500ms");
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(Duration(86'400'000 + 1'001)) == "1d1s1ms");
  for (const char* text : {"30d", "1h30m", "2h1s", "999ms", "1d23h59m59s999ms"})
    CHECK(format_duration(*parse_duration(text)) == text);
}
