// `dagrun backfill`: one run per data interval of a DAG's schedule in a
// range, whatever its catchup, queued for the scheduler (Airflow's
// backfill). Intervals come from the same Timetable as scheduled runs, so
// the DAG's time zone and its daylight-saving days are honoured; runs of
// intervals that already have one are skipped or cleared as --reprocess says.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "app/engine_paths.h"
#include "model/model.h"
#include "sched/timetable.h"
#include "spec/loader.h"
#include "store/store.h"

namespace dagrun::app {

// What happens to an interval that already has a run (scheduled or an
// earlier backfill's): none skips it, failed clears it when it failed, all
// clears it whatever its outcome. A run queued or running is never touched.
enum class Reprocess { none, failed, all };
std::optional<Reprocess> parse_reprocess(std::string_view text);

struct BackfillRequest {
  TimePoint from;  // intervals whose start is in [from, to]
  TimePoint to;
  Reprocess reprocess = Reprocess::none;
  bool backwards = false;  // newest interval first
  // How many of its runs run at once; 0: the DAG's max_active_runs.
  int max_active_runs = 0;
};

struct BackfillItem {
  enum class Action { create, reprocess, skip };
  DataInterval interval;
  Action action = Action::create;
  std::string run_id;  // the run to create, or the existing one
  std::string why;     // for an existing run: its state, and why it is skipped
};

// The most intervals one backfill makes: a typo in a year is refused before
// it queues a century of runs.
inline constexpr std::size_t kMaxBackfillIntervals = 10'000;

// "backfill__etl__2026-03-08T05:00:00.000Z"
std::string backfill_run_id(const std::string& dag_id, TimePoint interval_start);

// A date from the command line: with "Z" or an offset, that instant; without
// one, the wall-clock time in zone (so "2026-03-08" is midnight where the
// DAG's schedule is read). nullopt when it is not a date.
std::optional<TimePoint> parse_backfill_date(std::string_view text, const TimeZone& zone);

// What a backfill would do, in the order its runs start. Refused with
// ActionRefusal::conflict for a DAG without a recurring schedule, from after
// to, or more than kMaxBackfillIntervals intervals.
std::vector<BackfillItem> plan_backfill(const Dag& dag, const HistoryReader& history, const BackfillRequest& request);

struct BackfillResult {
  std::int64_t backfill_id = 0;  // 0: nothing to create or reprocess, no backfill recorded
  std::vector<BackfillItem> items;
};

// Does it: records the backfill (store/backfill_store.h), creates its runs
// (queued, run_type "backfill", each with its interval and the backfill's
// id) and clears the runs to reprocess, which join it; then wakes the
// scheduler. Returns the plan as carried out (a run that started meanwhile
// is skipped).
BackfillResult run_backfill(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                            const Dag& dag, const BackfillRequest& request);

// "none", "failed", "all".
std::string_view to_string(Reprocess r);

// Pauses or resumes a backfill as a whole: its queued runs wait, or may
// start (the scheduler is woken). Returns it as it is now. ActionError
// not_found for no such backfill, conflict for a cancelled one.
BackfillRecord pause_backfill(const EnginePaths& home, Store& store, std::int64_t id, bool paused);

// Cancels a backfill as a whole: its queued runs fail, its running ones are
// asked to stop (their engines kill their tries), with `reason`. ActionError
// not_found, or conflict when it was cancelled before.
BackfillCancel cancel_backfill(Store& store, std::int64_t id, const std::string& reason);

// What a backfill is doing: "cancelled", "paused", "running" (runs queued or
// running) or "done".
std::string_view backfill_state(const BackfillRecord& backfill, const BackfillRunCounts& runs);

// {"id", "dag_id", "from", "to", "reprocess", "backwards", "max_active_runs"
//  (null: the DAG's), "state", "created_at", "cancelled_at", "cancel_reason",
//  "runs": {"queued", "running", "success", "failed"}}: the CLI's --json and
// the API's.
nlohmann::json backfill_json(const BackfillRecord& backfill, const BackfillRunCounts& runs);

}  // namespace dagrun::app
