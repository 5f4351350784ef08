#include <doctest/doctest.h>

#include <vector>

#include "model/iso_time.h"
#include "sched/timetable.h"

using namespace dagrun;
using namespace std::chrono;

namespace {

TimePoint t(const char* iso) { return *parse_iso8601(iso); }

Timetable every(const char* cron, const char* start, std::optional<TimePoint> end = std::nullopt,
                const char* zone = "UTC") {
  return Timetable(*CronSchedule::parse(cron), TimeZone::load(zone), t(start), end);
}

// Every run the scheduler would create by `now`, one call at a time.
std::vector<DataInterval> runs_by(const Timetable& tt, TimePoint now, bool catchup,
                                  std::optional<DataInterval> last = std::nullopt) {
  std::vector<DataInterval> out;
  while (auto next = tt.next_run(last, now, catchup)) {
    out.push_back(*next);
    last = next;
    if (out.size() > 1000) break;
  }
  return out;
}

std::string iso(TimePoint p) { return format_iso8601(p); }

}  // namespace

TEST_CASE("catch-up runs every missed interval, oldest first, without it only the latest") {
  // start_date exactly 40 minutes before the latest 10-minute boundary.
  auto tt = every("*/10 * * * *", "2026-11-29T09:20:00Z");
  TimePoint now = t("2026-11-29T10:03:17Z");
  auto all = runs_by(tt, now, true);
  REQUIRE(all.size() == 4);
  CHECK(iso(all[0].start) == "2026-11-29T09:20:00.000Z");
  CHECK(iso(all[0].end) == "2026-11-29T09:30:00.000Z");
  CHECK(iso(all[3].end) == "2026-11-29T10:00:00.000Z");
  auto latest = runs_by(tt, now, false);
  REQUIRE(latest.size() == 1);
  CHECK(iso(latest[0].start) == "2026-11-29T09:50:00.000Z");
  CHECK(iso(latest[0].end) == "2026-11-29T10:00:00.000Z");
}

TEST_CASE("a run is due when its interval ends, not before") {
  auto tt = every("*/10 * * * *", "2026-11-29T09:20:00Z");
  CHECK(runs_by(tt, t("2026-11-29T09:29:59Z"), true).empty());
  CHECK(runs_by(tt, t("2026-11-29T09:30:00Z"), true).size() == 1);
  CHECK(tt.next_due(std::nullopt) == t("2026-11-29T09:30:00Z"));
  DataInterval first{t("2026-11-29T09:20:00Z"), t("2026-11-29T09:30:00Z")};
  CHECK(tt.next_due(first) == t("2026-11-29T09:40:00Z"));
}

TEST_CASE("a start_date between fire times starts at the next fire time") {
  auto tt = every("*/10 * * * *", "2026-11-29T09:25:00Z");
  auto all = runs_by(tt, t("2026-11-29T10:00:00Z"), true);
  REQUIRE(all.size() == 3);
  CHECK(iso(all[0].start) == "2026-11-29T09:30:00.000Z");
}

TEST_CASE("without catch-up, a long pause resumes at the latest interval") {
  auto tt = every("0 * * * *", "2026-01-01T00:00:00Z");
  DataInterval old{t("2026-01-01T00:00:00Z"), t("2026-01-01T01:00:00Z")};
  auto next = tt.next_run(old, t("2026-11-29T10:30:00Z"), false);
  REQUIRE(next);
  CHECK(iso(next->start) == "2026-11-29T09:00:00.000Z");
  CHECK_FALSE(tt.next_run(*next, t("2026-11-29T10:30:00Z"), false));
}

TEST_CASE("no interval starting after end_date runs") {
  auto tt = every("0 * * * *", "2026-11-29T00:00:00Z", t("2026-11-29T02:00:00Z"));
  auto all = runs_by(tt, t("2026-11-30T00:00:00Z"), true);
  REQUIRE(all.size() == 3);  // 00-01, 01-02, 02-03: the last starts at end_date
  CHECK(iso(all.back().start) == "2026-11-29T02:00:00.000Z");
  auto latest = runs_by(tt, t("2026-11-30T00:00:00Z"), false);
  REQUIRE(latest.size() == 1);
  CHECK(iso(latest[0].start) == "2026-11-29T02:00:00.000Z");
  CHECK_FALSE(tt.next_due(all.back()));
}

TEST_CASE("@once runs once, at its start date") {
  auto tt = every("@once", "2026-11-29T09:00:00Z");
  CHECK(runs_by(tt, t("2026-11-29T08:59:00Z"), true).empty());
  auto all = runs_by(tt, t("2026-12-29T00:00:00Z"), false);
  REQUIRE(all.size() == 1);
  CHECK(all[0].start == t("2026-11-29T09:00:00Z"));
  CHECK(all[0].end == all[0].start);
}

TEST_CASE("schedules follow the DAG's time zone") {
  auto seoul = every("0 9 * * *", "2026-11-01T00:00:00Z", std::nullopt, "Asia/Seoul");
  CHECK(seoul.next_fire_after(t("2026-11-29T00:00:00Z")) == t("2026-11-30T00:00:00Z"));
  CHECK(seoul.next_fire_after(t("2026-11-28T23:59:00Z")) == t("2026-11-29T00:00:00Z"));
}

TEST_CASE("a time skipped by spring-forward fires once at the end of the gap") {
  auto ny = every("30 2 * * *", "2026-03-01T00:00:00Z", std::nullopt, "America/New_York");
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  CHECK(ny.next_fire_after(t("2026-03-07T08:00:00Z")) == t("2026-03-08T07:00:00Z"));
  CHECK(ny.next_fire_after(t("2026-03-08T07:00:00Z")) == t("2026-03-09T06:30:00Z"));
  auto every10 = every("*/10 2 * * *", "2026-03-01T00:00:00Z", std::nullopt, "America/New_York");
  CHECK(every10.next_fire_after(t("2026-03-08T06:55:00Z")) == t("2026-03-08T07:00:00Z"));
  CHECK(every10.next_fire_after(t("2026-03-08T07:00:00Z")) == t("2026-03-09T06:00:00Z"));  // 02:00 EDT
}

TEST_CASE("an hour repeated by fall-back fires once") {
  auto hourly = every("0 * * * *", "2026-10-31T00:00:00Z", std::nullopt, "America/New_York");
  // 2026-11-01: 02:00 EDT (06:00 UTC) falls back to 01:00 EST.
  std::vector<std::string> fires;
  TimePoint at = t("2026-11-01T03:30:00Z");
  for (int i = 0; i < 4; ++i) {
    at = *hourly.next_fire_after(at);
    fires.push_back(iso(at));
  }
  CHECK(fires == std::vector<std::string>{"2026-11-01T04:00:00.000Z",   // 00:00 EDT
                                          "2026-11-01T05:00:00.000Z",   // 01:00 EDT
                                          "2026-11-01T07:00:00.000Z",   // 02:00 EST
                                          "2026-11-01T08:00:00.000Z"}); // 03:00 EST
  auto daily = every("30 1 * * *", "2026-10-31T00:00:00Z", std::nullopt, "America/New_York");
  CHECK(daily.next_fire_after(t("2026-11-01T04:00:00Z")) == t("2026-11-01T05:30:00Z"));
  CHECK(daily.next_fire_after(t("2026-11-01T05:30:00Z")) == t("2026-11-02T06:30:00Z"));
}
