#include "app/backfill.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "app/actions.h"
#include "app/history_location.h"
#include "model/iso_time.h"
#include "sched/wake.h"
#include "store/dag_version.h"
#include "store/store_error.h"

namespace dagrun::app {
namespace {

using Action = BackfillItem::Action;

// Whether text carries its own zone: "Z" or an offset after the time.
bool has_zone(std::string_view text) {
  if (text.size() <= 10) return false;  // a date alone
  std::string_view time = text.substr(10);
  return time.back() == 'Z' || time.find('+') != std::string_view::npos || time.find('-') != std::string_view::npos;
}

// The run each interval already has: the newest scheduled or backfill run
// whose interval starts there (a manual run covers no interval).
std::map<TimePoint, RunRecord> runs_by_interval(const HistoryReader& history, const std::string& dag_id) {
  std::map<TimePoint, RunRecord> out;
  RunFilter filter;
  filter.dag_id = dag_id;
  for (RunRecord& r : history.list_runs(filter)) {
    if (r.run_type == "manual" || !r.data_interval_start) continue;
    auto [it, inserted] = out.try_emplace(*r.data_interval_start, r);
    if (!inserted && r.queued_at && (!it->second.queued_at || *r.queued_at > *it->second.queued_at))
      it->second = std::move(r);
  }
  return out;
}

BackfillItem judge(const DataInterval& interval, const RunRecord& run, Reprocess reprocess) {
  BackfillItem item{interval, Action::skip, run.run_id, std::string(to_string(run.state))};
  if (run.state == RunState::queued || run.state == RunState::running) {
    item.why += ": not touched while it is queued or running";
  } else if (reprocess == Reprocess::all || (reprocess == Reprocess::failed && run.state == RunState::failed)) {
    item.action = Action::reprocess;
  } else {
    item.why += reprocess == Reprocess::failed ? ": did not fail" : ": exists (--reprocess failed or all runs it again)";
  }
  return item;
}

}  // namespace

std::optional<Reprocess> parse_reprocess(std::string_view text) {
  if (text == "none") return Reprocess::none;
  if (text == "failed") return Reprocess::failed;
  if (text == "all") return Reprocess::all;
  return std::nullopt;
}

std::string backfill_run_id(const std::string& dag_id, TimePoint interval_start) {
  return "backfill__" + dag_id + "__" + format_iso8601(interval_start);
}

std::optional<TimePoint> parse_backfill_date(std::string_view text, const TimeZone& zone) {
  std::optional<TimePoint> t = parse_iso8601(text);
  if (!t || has_zone(text) || zone.is_utc()) return t;
  // Read as UTC, the fields are the wall-clock time meant in zone.
  const std::int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
  std::vector<TimePoint> local = zone.from_local(seconds_to_civil(seconds));
  if (!local.empty()) return local.front();  // a fall-back's repeated hour: its first occurrence
  // Inside a spring-forward gap: its end (the first wall-clock minute that
  // exists after it), as the schedule reads its own times in a gap.
  const std::int64_t minute = seconds - seconds % 60;
  for (std::int64_t m = 1; m <= 24 * 60; ++m) {
    local = zone.from_local(seconds_to_civil(minute + 60 * m));
    if (!local.empty()) return local.front();
  }
  return std::nullopt;
}

std::vector<BackfillItem> plan_backfill(const Dag& dag, const HistoryReader& history, const BackfillRequest& request) {
  if (!dag.schedule || dag.schedule->once())
    throw ActionError(ActionRefusal::conflict,
                      dag.dag_id + " has no recurring schedule: there are no data intervals to backfill");
  if (request.from > request.to)
    throw ActionError(ActionRefusal::conflict, "--from " + format_iso8601(request.from) + " is after --to " +
                                                   format_iso8601(request.to));
  // The range is the backfill's own: the DAG's start_date and catchup do
  // not narrow it; its end_date does (no run of it is wanted after it).
  std::optional<TimePoint> end = request.to;
  if (dag.end_date && *dag.end_date < *end) end = dag.end_date;
  Timetable timetable(*dag.schedule, dag.timezone, request.from, end);
  std::vector<DataInterval> intervals;
  std::optional<DataInterval> last;
  while (auto next = timetable.next_run(last, TimePoint::max(), true)) {
    if (intervals.size() == kMaxBackfillIntervals)
      throw ActionError(ActionRefusal::conflict, "the range holds more than " +
                                                     std::to_string(kMaxBackfillIntervals) +
                                                     " intervals of " + dag.dag_id + "'s schedule: backfill it in parts");
    intervals.push_back(*next);
    last = next;
  }
  if (request.backwards) std::reverse(intervals.begin(), intervals.end());

  const std::map<TimePoint, RunRecord> existing = runs_by_interval(history, dag.dag_id);
  std::vector<BackfillItem> plan;
  plan.reserve(intervals.size());
  for (const DataInterval& i : intervals) {
    auto it = existing.find(i.start);
    if (it == existing.end()) plan.push_back({i, Action::create, backfill_run_id(dag.dag_id, i.start), {}});
    else plan.push_back(judge(i, it->second, request.reprocess));
  }
  return plan;
}

std::string_view to_string(Reprocess r) {
  switch (r) {
    case Reprocess::none: return "none";
    case Reprocess::failed: return "failed";
    case Reprocess::all: return "all";
  }
  return "none";
}

BackfillResult run_backfill(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                            const Dag& dag, const BackfillRequest& request) {
  BackfillResult result;
  std::vector<BackfillItem>& plan = result.items;
  plan = plan_backfill(dag, store, request);
  const TimePoint now = std::chrono::system_clock::now();
  if (std::any_of(plan.begin(), plan.end(), [](const BackfillItem& i) { return i.action != Action::skip; })) {
    BackfillRecord record;
    record.dag_id = dag.dag_id;
    record.from = request.from;
    record.to = request.to;
    record.reprocess = std::string(to_string(request.reprocess));
    record.backwards = request.backwards;
    record.max_active_runs = request.max_active_runs;
    record.created_at = now;
    result.backfill_id = store.create_backfill(record);
  }
  const std::optional<DagVersionRecord> version = dag_version_of(dag, now);
  int order = 0;
  for (BackfillItem& item : plan) {
    if (item.action == Action::create) {
      RunRecord run;
      run.run_id = item.run_id;
      run.dag_id = dag.dag_id;
      run.state = RunState::queued;
      run.run_type = "backfill";
      run.dag_file = dag.file;
      // The scheduler starts queued runs in the order they were queued:
      // a millisecond apart, they start in the plan's order.
      run.queued_at = now + std::chrono::milliseconds(order++);
      run.logical_date = run.data_interval_start = item.interval.start;
      run.data_interval_end = item.interval.end;
      if (version) run.dag_version = version->version;
      run.backfill_id = result.backfill_id;
      std::vector<TaskInstanceRecord> tasks;
      tasks.reserve(dag.tasks.size());
      for (const TaskSpec& t : dag.tasks) tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
      try {
        store.create_run(run, tasks, version ? &*version : nullptr);
      } catch (const RunExistsError&) {
        item.action = Action::skip;
        item.why = "a run with this id was created meanwhile";
      }
    } else if (item.action == Action::reprocess) {
      ClearRequest clear;
      clear.run_id = item.run_id;
      clear.failed_only = request.reprocess == Reprocess::failed;
      try {
        clear_tasks(home, store, loaded, clear);
        store.join_backfill(item.run_id, result.backfill_id);
      } catch (const ActionError& e) {
        item.action = Action::skip;
        item.why = e.what();
      }
    }
  }
  wake_scheduler(wake_address(home));
  return result;
}

BackfillRecord pause_backfill(const EnginePaths& home, Store& store, std::int64_t id, bool paused) {
  if (!store.get_backfill(id)) throw ActionError(ActionRefusal::not_found, "no backfill " + std::to_string(id));
  if (!store.set_backfill_paused(id, paused))
    throw ActionError(ActionRefusal::conflict, "backfill " + std::to_string(id) + " is cancelled");
  // Its runs may start now: tell a running scheduler at once.
  if (!paused) wake_scheduler(wake_address(home));
  return *store.get_backfill(id);
}

BackfillCancel cancel_backfill(Store& store, std::int64_t id, const std::string& reason) {
  BackfillCancel c = store.cancel_backfill(id, reason, std::chrono::system_clock::now());
  if (!c.found) throw ActionError(ActionRefusal::not_found, "no backfill " + std::to_string(id));
  if (c.already) throw ActionError(ActionRefusal::conflict, "backfill " + std::to_string(id) + " was cancelled before");
  return c;
}

std::string_view backfill_state(const BackfillRecord& backfill, const BackfillRunCounts& runs) {
  if (backfill.cancelled_at) return "cancelled";
  if (backfill.is_paused) return "paused";
  return runs.active() > 0 ? "running" : "done";
}

nlohmann::json backfill_json(const BackfillRecord& b, const BackfillRunCounts& runs) {
  using nlohmann::json;
  return {{"id", b.id},
          {"dag_id", b.dag_id},
          {"from", format_iso8601(b.from)},
          {"to", format_iso8601(b.to)},
          {"reprocess", b.reprocess},
          {"backwards", b.backwards},
          {"max_active_runs", b.max_active_runs > 0 ? json(b.max_active_runs) : json(nullptr)},
          {"state", backfill_state(b, runs)},
          {"created_at", format_iso8601(b.created_at)},
          {"cancelled_at", b.cancelled_at ? json(format_iso8601(*b.cancelled_at)) : json(nullptr)},
          {"cancel_reason", b.cancel_reason.empty() ? json(nullptr) : json(b.cancel_reason)},
          {"runs", {{"queued", runs.queued}, {"running", runs.running}, {"success", runs.success},
                    {"failed", runs.failed}}}};
}

}  // namespace dagrun::app
