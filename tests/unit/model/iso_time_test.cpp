#include <doctest/doctest.h>

#include "model/iso_time.h"

using namespace dagrun;

TEST_CASE("iso 8601 round-trips at millisecond precision") {
  auto t = parse_iso8601("2026-11-29T02:07:39.123Z");
  REQUIRE(t);
  CHECK(format_iso8601(*t) == "2026-11-29T02:07:39.123Z");
}

TEST_CASE("iso 8601 offsets are converted to UTC") {
  auto t = parse_iso8601("2026-11-29T10:00:00+09:00");
  REQUIRE(t);
  CHECK(format_iso8601(*t) == "2026-11-29T01:00:00.000Z");
  CHECK(format_iso8601(*parse_iso8601("2025-10-19")) == "2025-10-19T00:00:00.000Z");
}

TEST_CASE("iso 8601 rejects impossible dates and trailing junk") {
  CHECK_FALSE(parse_iso8601("2025-02-30"));
  CHECK_FALSE(parse_iso8601("2025-10-19T25:00"));
  CHECK_FALSE(parse_iso8601("2025-10-19x"));
  CHECK_FALSE(parse_iso8601("yesterday"));
}
