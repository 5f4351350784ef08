#include <doctest/doctest.h>

#include "news/news_time.h"

using namespace dagrun::news;

TEST_CASE("parse_rfc822 keeps the local time and the offset, and orders by the instant") {
  const auto d = parse_rfc822("Sun, 29 Nov 2026 10:00:00 +0900");
  REQUIRE(d);
  CHECK(d->iso == "2026-11-29T10:00:00+09:00");
  CHECK(d->epoch == 1795914000);  // 2026-11-29T01:00:00Z
  const auto ny = parse_rfc822("Sat, 28 Nov 2026 20:00:00 -0500");
  REQUIRE(ny);
  CHECK(ny->iso == "2026-11-28T20:00:00-05:00");
  CHECK(ny->epoch == d->epoch);
  const auto gmt = parse_rfc822("Sun, 29 Nov 2026 01:00:00 GMT");
  REQUIRE(gmt);
  CHECK(gmt->iso == "2026-11-29T01:00:00+00:00");
  CHECK(gmt->epoch == d->epoch);
  CHECK(parse_rfc822("29 Nov 2026 01:00 UT")->epoch == d->epoch);  // no weekday, no seconds
  CHECK(parse_rfc822("Sat, 28 Nov 2026 20:00:00 EST")->iso == "2026-11-28T20:00:00-05:00");
  CHECK(parse_rfc822("Sun, 29 Nov 2026 10:30:00 +0530")->iso == "2026-11-29T10:30:00+05:30");
  CHECK(parse_rfc822("  Sun,  1 Mar 26 09:05:07 +0900 ")->iso == "2026-03-01T09:05:07+09:00");
}

TEST_CASE("parse_rfc822 knows every weekday and month name") {
  const char* days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // 2026-01-05 is a Monday; the weekday is not cross-checked, but must be a name.
  for (int i = 0; i < 7; ++i) {
    const std::string text = std::string(days[i]) + ", " + std::to_string(5 + i) + " Jan 2026 08:00:00 +0900";
    const auto d = parse_rfc822(text);
    REQUIRE_MESSAGE(d, text);
    CHECK(d->iso == "2026-01-" + std::string(5 + i < 10 ? "0" : "") + std::to_string(5 + i) + "T08:00:00+09:00");
  }
  for (int m = 0; m < 12; ++m) {
    const auto d = parse_rfc822("Mon, 15 " + std::string(months[m]) + " 2026 12:00:00 +0000");
    REQUIRE(d);
    CHECK(d->iso.substr(5, 2) == (m < 9 ? "0" : "") + std::to_string(m + 1));
  }
}

TEST_CASE("parse_rfc822 refuses impossible and malformed dates") {
  for (const char* bad : {"", "yesterday", "Sun, 31 Apr 2026 10:00:00 +0900", "Sun, 29 Feb 2025 10:00:00 +0900",
                          "Sun, 29 Foo 2026 10:00:00 +0900", "Xyz, 29 Nov 2026 10:00:00 +0900",
                          "Sun 29 Nov 2026 10:00:00 +0900", "Sun, 29 Nov 2026 24:00:00 +0900",
                          "Sun, 29 Nov 2026 10:60:00 +0900", "Sun, 29 Nov 2026 10:00:61 +0900",
                          "Sun, 29 Nov 2026 10:00:00 +09", "Sun, 29 Nov 2026 10:00:00 +2400",
                          "Sun, 29 Nov 2026 10:00:00 KST", "Sun, 29 Nov 2026 10:00:00", "2026-11-29T10:00:00+09:00",
                          "Sun, 29 Nov 2026 10:00:00 +0900 extra", "Sun, 0 Nov 2026 10:00:00 +0900",
                          "Sun, 29 Nov 202 10:00:00 +0900"}) {
    CHECK_MESSAGE(!parse_rfc822(bad), bad);
  }
  CHECK(parse_rfc822("Thu, 29 Feb 2024 10:00:00 +0900"));  // a leap day
}

TEST_CASE("KST day stamps and day arithmetic") {
  using namespace std::chrono;
  const SysTime late_utc = sys_days{year{2026} / 11 / 28} + hours{15};  // 00:00 on the 29th in Seoul
  CHECK(kst_day_stamp(late_utc) == "20261129");
  CHECK(kst_day_stamp(late_utc - seconds{1}) == "20261128");
  CHECK(kst_days(late_utc) - *day_stamp_days("20261122") == 7);
  CHECK(!day_stamp_days("20261131"));
  CHECK(!day_stamp_days("2026113"));
  CHECK(!day_stamp_days("2026-1-1"));
}
