#include "sched/timetable.h"

#include <chrono>

namespace dagrun {
namespace {

using namespace std::chrono;

TimePoint from_seconds(std::int64_t s) { return TimePoint{seconds(s)}; }

CivilMinute to_minute(const CivilTime& c) { return {c.year, c.month, c.day, c.hour, c.minute}; }
CivilTime from_minute(const CivilMinute& m) { return {m.year, m.month, m.day, m.hour, m.minute, 0}; }

// The instant a spring-forward gap ends, for a local time inside it.
TimePoint gap_end(const TimeZone& zone, const CivilTime& local) {
  const std::int64_t l = civil_to_seconds(local);
  const int before = zone.offset_at(l - 86400), after = zone.offset_at(l + 86400);
  std::int64_t lo = l - after, hi = l - before;  // the transition lies in between
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    if (zone.offset_at(mid) == after) hi = mid;
    else lo = mid + 1;
  }
  return from_seconds(lo);
}

}  // namespace

Timetable::Timetable(CronSchedule schedule, TimeZone zone, TimePoint start, std::optional<TimePoint> end_date)
    : schedule_(std::move(schedule)), zone_(std::move(zone)), start_(start), end_date_(end_date) {}

std::optional<TimePoint> Timetable::next_fire_after(TimePoint t) const {
  if (schedule_.once()) return std::nullopt;
  if (zone_.is_utc()) return schedule_.next_after(t);
  CivilMinute from = to_minute(zone_.to_local(t));
  for (int guard = 0; guard < 100000; ++guard) {
    auto match = next_match(schedule_.fields(), from);
    if (!match) return std::nullopt;
    const CivilTime local = from_minute(*match);
    auto instants = zone_.from_local(local);
    if (instants.empty()) {
      TimePoint end = gap_end(zone_, local);
      if (end > t) return end;
    }
    for (TimePoint i : instants) {
      if (i <= t) continue;
      // A repeated hour fires at its first occurrence only.
      if (instants.size() == 2 && i == instants[1]) break;
      return i;
    }
    from = *match;
  }
  return std::nullopt;
}

std::optional<DataInterval> Timetable::interval_after(std::optional<DataInterval> last) const {
  if (schedule_.once()) {
    if (last) return std::nullopt;
    return DataInterval{start_, start_};
  }
  std::optional<TimePoint> start = last ? std::optional<TimePoint>(last->end)
                                        : next_fire_after(start_ - milliseconds(1));  // at or after start
  if (!start) return std::nullopt;
  auto end = next_fire_after(*start);
  if (!end) return std::nullopt;
  DataInterval i{*start, *end};
  if (after_end(i)) return std::nullopt;
  return i;
}

std::optional<DataInterval> Timetable::latest_complete(TimePoint now) const {
  // Walk fire times forward from a window before now, widening the window until
  // it holds two: the last two at or before now bound the latest interval.
  for (auto window = hours(24); window <= hours(24 * 366 * 8); window *= 4) {
    TimePoint from = std::max(now - window, start_ - milliseconds(1));
    std::optional<TimePoint> previous, last;
    for (auto f = next_fire_after(from); f && *f <= now; f = next_fire_after(*f)) {
      previous = last;
      last = f;
    }
    if (previous) return DataInterval{*previous, *last};
    if (from <= start_ - milliseconds(1)) return std::nullopt;  // nothing complete since the start
  }
  return std::nullopt;
}

std::optional<DataInterval> Timetable::next_run(std::optional<DataInterval> last, TimePoint now,
                                                bool catchup) const {
  std::optional<DataInterval> next = interval_after(last);
  if (!next || next->end > now) return std::nullopt;
  if (catchup || schedule_.once()) return next;
  // Without catch-up only the latest complete interval runs; one that starts
  // after end_date never does, so the horizon stops at the interval holding it.
  TimePoint horizon = now;
  if (end_date_)
    if (auto cap = next_fire_after(*end_date_)) horizon = std::min(horizon, *cap);
  std::optional<DataInterval> latest = latest_complete(horizon);
  if (!latest) return next;
  if (last && latest->end <= last->end) return std::nullopt;
  return latest;
}

std::optional<TimePoint> Timetable::next_due(std::optional<DataInterval> last) const {
  auto next = interval_after(last);
  if (!next) return std::nullopt;
  return next->end;
}

}  // namespace dagrun
