// When a DAG's runs are due, as Airflow's data intervals: a scheduled run
// covers the interval [start, end) between two fire times of its schedule and
// starts when the interval has ended. Pure: the caller passes "now", so every
// rule (catch-up, end_date, daylight-saving changes) is tested without waiting.
#pragma once

#include <optional>

#include "model/model.h"
#include "model/cron.h"
#include "model/time_zone.h"

namespace dagrun {

struct DataInterval {
  TimePoint start;
  TimePoint end;
  friend bool operator==(const DataInterval&, const DataInterval&) = default;
};

class Timetable {
 public:
  // The schedule's fields match wall-clock times in `zone`. start is the DAG's
  // start_date (the caller picks one for a DAG without: dagrun uses the time
  // the scheduler first saw it).
  Timetable(CronSchedule schedule, TimeZone zone, TimePoint start, std::optional<TimePoint> end_date);

  // The first fire time strictly after t. A time the schedule names that a
  // spring-forward gap skips fires at the end of the gap (once, however many
  // such times the gap holds); a time that a fall-back repeats fires at its
  // first occurrence only. nullopt for @once.
  std::optional<TimePoint> next_fire_after(TimePoint t) const;

  // The interval of the next run to create, after the last one created (none
  // yet: nullopt), or nullopt when no further run is due by `now` — then
  // next_due() says when to look again. With catchup every missed interval
  // is run, oldest first; without, only the latest complete one. Intervals
  // starting before start_date or after end_date are never run. @once gives
  // one run, [start_date, start_date], due at start_date.
  std::optional<DataInterval> next_run(std::optional<DataInterval> last, TimePoint now, bool catchup) const;

  // When the next run after `last` becomes due (the end of its interval), for
  // a scheduler that sleeps until then; nullopt when there will be none.
  std::optional<TimePoint> next_due(std::optional<DataInterval> last) const;

  const TimeZone& zone() const { return zone_; }

 private:
  std::optional<DataInterval> interval_after(std::optional<DataInterval> last) const;
  std::optional<DataInterval> latest_complete(TimePoint now) const;
  bool after_end(const DataInterval& i) const { return end_date_ && i.start > *end_date_; }

  CronSchedule schedule_;
  TimeZone zone_;
  TimePoint start_;
  std::optional<TimePoint> end_date_;
};

}  // namespace dagrun
