#include <doctest/doctest.h>

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "spec/load_helpers.h"
#include "model/time_zone.h"

using namespace dagrun;
using namespace std::chrono;

namespace {

TimePoint at(int y, int mo, int d, int h, int mi) {
  return TimePoint{seconds(civil_to_seconds({y, mo, d, h, mi, 0}))};
}

// glibc's own answer for the zone, the reference the reader must agree with.
long glibc_offset(const char* zone, std::int64_t t) {
  ::setenv("TZ", zone, 1);
  ::tzset();
  time_t tt = static_cast<time_t>(t);
  struct tm local {};
  ::localtime_r(&tt, &local);
  return local.tm_gmtoff;
}

}  // namespace

TEST_CASE("utc needs no file and maps times to themselves") {
  TimeZone z = TimeZone::load("UTC");
  CHECK(z.is_utc());
  CHECK(z.offset_at(1'800'000'000) == 0);
  auto local = z.to_local(at(2026, 11, 29, 10, 0));
  CHECK(local == CivilTime{2026, 11, 29, 10, 0, 0});
}

TEST_CASE("seoul is nine hours ahead all year") {
  TimeZone z = TimeZone::load("Asia/Seoul");
  CHECK(z.offset_at(civil_to_seconds({2026, 1, 1, 0, 0, 0})) == 9 * 3600);
  CHECK(z.offset_at(civil_to_seconds({2026, 7, 1, 0, 0, 0})) == 9 * 3600);
  auto instants = z.from_local({2026, 11, 29, 10, 0, 0});
  REQUIRE(instants.size() == 1);
  CHECK(instants[0] == at(2026, 11, 29, 1, 0));
}

TEST_CASE("a spring-forward gap has no instant, a fall-back hour has two") {
  TimeZone z = TimeZone::load("America/New_York");
  CHECK(z.from_local({2026, 3, 8, 2, 30, 0}).empty());
  auto twice = z.from_local({2026, 11, 1, 1, 30, 0});
  REQUIRE(twice.size() == 2);
  CHECK(twice[0] == at(2026, 11, 1, 5, 30));  // EDT, UTC-4
  CHECK(twice[1] == at(2026, 11, 1, 6, 30));  // EST, UTC-5
  CHECK(z.offset_at(civil_to_seconds({2026, 7, 1, 12, 0, 0})) == -4 * 3600);
  CHECK(z.offset_at(civil_to_seconds({2026, 12, 1, 12, 0, 0})) == -5 * 3600);
}

TEST_CASE("years past the file's transitions follow its POSIX rule") {
  TimeZone berlin = TimeZone::load("Europe/Berlin");
  // 2090: last Sunday of March is the 26th; the change is at 01:00 UTC.
  CHECK(berlin.offset_at(civil_to_seconds({2090, 3, 26, 0, 59, 0})) == 3600);
  CHECK(berlin.offset_at(civil_to_seconds({2090, 3, 26, 1, 0, 0})) == 7200);
  CHECK(berlin.offset_at(civil_to_seconds({2090, 10, 29, 0, 59, 0})) == 7200);
  CHECK(berlin.offset_at(civil_to_seconds({2090, 10, 29, 1, 0, 0})) == 3600);
}

TEST_CASE("offsets agree with glibc across two centuries and both hemispheres") {
  const char* zones[] = {"America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Seoul",
                         "America/Sao_Paulo", "Pacific/Chatham", "Asia/Kolkata"};
  std::mt19937_64 rng(42);
  const std::int64_t from = civil_to_seconds({1950, 1, 1, 0, 0, 0});
  const std::int64_t to = civil_to_seconds({2100, 1, 1, 0, 0, 0});
  std::uniform_int_distribution<std::int64_t> pick(from, to);
  const char* saved = std::getenv("TZ");
  std::string saved_tz = saved ? saved : "";
  for (const char* name : zones) {
    TimeZone z = TimeZone::load(name);
    int mismatches = 0;
    for (int i = 0; i < 3000; ++i) {
      std::int64_t t = pick(rng);
      if (z.offset_at(t) != glibc_offset(name, t)) ++mismatches;
    }
    CAPTURE(name);
    CHECK(mismatches == 0);
  }
  if (saved) ::setenv("TZ", saved_tz.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE("unknown zones are refused with the name") {
  CHECK_THROWS_WITH(TimeZone::load("Mars/Olympus_Mons"),
                    doctest::Contains("unknown time zone 'Mars/Olympus_Mons'"));
  CHECK_THROWS_WITH(TimeZone::load("../../etc/passwd"), doctest::Contains("unknown time zone"));
}

TEST_CASE("a name with a NUL or longer than any zone's is refused before the filesystem sees it") {
  // Cut at the NUL, the path would name Asia/Seoul and load it under this name.
  const std::string with_nul("Asia/Seoul\0junk", 15);
  CHECK_THROWS_WITH(TimeZone::load(with_nul), doctest::Contains("unknown time zone"));
  CHECK(zone_names_near(with_nul) == std::vector<std::string>{"UTC"});
  const std::string long_name = "Asia/" + std::string(1 << 20, 'a');
  CHECK_THROWS_WITH(TimeZone::load(long_name), doctest::Contains("unknown time zone"));
  CHECK(zone_names_near(long_name) == std::vector<std::string>{"UTC"});
}

TEST_CASE("zone suggestions are zones of the written region, never a region or a table") {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (const char* written : {"Asia", "Asia/Seol", "Asi"}) {
    CAPTURE(written);
    std::vector<std::string> names = zone_names_near(written);
    CHECK(has(names, "UTC"));
    for (const std::string& n : names) {
      CAPTURE(n);
      CHECK(n != written);
      CHECK_NOTHROW(TimeZone::load(n));  // every candidate is a zone
    }
  }
  CHECK(has(zone_names_near("Asia"), "Asia/Seoul"));  // a region: the zones in it
  CHECK(has(zone_names_near("Asia/Seol"), "Asia/Seoul"));
  CHECK_FALSE(has(zone_names_near("Asi"), "Asia"));  // a directory, not a zone
  CHECK_FALSE(has(zone_names_near("Asi"), "zone.tab"));
  CHECK_FALSE(has(zone_names_near("Asi"), "posix"));
  // The DAG's text does not lead the listing elsewhere.
  CHECK(zone_names_near("/etc") == std::vector<std::string>{"UTC"});
  CHECK(zone_names_near("../../etc/x") == std::vector<std::string>{"UTC"});
}

TEST_CASE("a DAG naming a region gets no suggestion of the region itself") {
  auto errors = [](const std::string& zone) {
    return dagrun::test::joined(dagrun::test::errors_of(
        "{\"dag_id\": \"d\", \"schedule\": \"0 9 * * *\", \"timezone\": \"" + zone +
        "\",\n \"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"]}]}"));
  };
  const std::string advice = "; use an IANA name such as Asia/Seoul or UTC\n";
  CHECK(errors("Asia") == "t.json:1:54: error: dag: unknown time zone 'Asia'" + advice);
  CHECK(errors("Asi") == "t.json:1:54: error: dag: unknown time zone 'Asi'" + advice);
  CHECK(errors("Asia/Seol") ==
        "t.json:1:54: error: dag: unknown time zone 'Asia/Seol' (did you mean 'Asia/Seoul'?)" + advice);
}

TEST_CASE("civil times convert both ways across the epoch") {
  CHECK(civil_to_seconds({1970, 1, 1, 0, 0, 0}) == 0);
  CHECK(seconds_to_civil(-1) == CivilTime{1969, 12, 31, 23, 59, 59});
  CHECK(seconds_to_civil(civil_to_seconds({2024, 2, 29, 23, 59, 1})) == CivilTime{2024, 2, 29, 23, 59, 1});
}
