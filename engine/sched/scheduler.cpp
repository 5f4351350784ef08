#include "sched/scheduler.h"

#include <spdlog/spdlog.h>

#include "model/ids.h"
#include "model/iso_time.h"
#include "sched/timetable.h"
#include "store/dag_version.h"

namespace dagrun {
namespace {

// A burst of catch-up is created over several steps, so one step never holds
// the store for long.
constexpr int kMaxCreatedPerStep = 500;

}  // namespace

std::string scheduled_run_id(const std::string& dag_id, TimePoint interval_start) {
  // Run ids are unique across DAGs, hence the dag id; a long one is shortened
  // (with a hash, so ids stay distinct) to keep the run id within kMaxIdLength.
  const std::string time = format_iso8601(interval_start);
  const std::string head = "scheduled__", sep = "__";
  return head + shorten_id(dag_id, kMaxIdLength - head.size() - sep.size() - time.size()) + sep + time;
}

Scheduler::Scheduler(Store& store, RunLauncher& launcher, std::string owner)
    : store_(store), launcher_(launcher), owner_(std::move(owner)) {}

void Scheduler::set_dags(std::vector<std::shared_ptr<const Dag>> dags) {
  dags_.clear();
  for (auto& d : dags) dags_[d->dag_id] = std::move(d);
}

std::optional<TimePoint> Scheduler::create_due_runs(const Dag& dag, const DagRecord& record, TimePoint now) {
  if (!dag.schedule) return std::nullopt;
  Timetable timetable(*dag.schedule, dag.timezone, dag.start_date.value_or(record.first_seen),
                      dag.end_date);
  std::optional<DataInterval> last;
  if (auto latest = store_.latest_scheduled_run(dag.dag_id);
      latest && latest->data_interval_start && latest->data_interval_end)
    last = DataInterval{*latest->data_interval_start, *latest->data_interval_end};
  if (record.is_paused) return std::nullopt;
  std::optional<DagVersionRecord> version;  // made for the first run due, then shared by the others
  for (int n = 0; n < kMaxCreatedPerStep; ++n) {
    auto next = timetable.next_run(last, now, dag.catchup);
    if (!next) break;
    RunRecord run;
    run.run_id = scheduled_run_id(dag.dag_id, next->start);
    run.dag_id = dag.dag_id;
    run.state = RunState::queued;
    run.run_type = "scheduled";
    run.dag_file = dag.file;
    run.queued_at = now;
    run.logical_date = next->start;
    run.data_interval_start = next->start;
    run.data_interval_end = next->end;
    std::vector<TaskInstanceRecord> tasks;
    for (const TaskSpec& t : dag.tasks) tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
    if (!version) version = dag_version_of(dag, now);
    if (version) run.dag_version = version->version;
    try {
      store_.create_run(run, tasks, version ? &*version : nullptr);
      created_.push_back(run.run_id);
      spdlog::info("{}: created {} for [{}, {})", dag.dag_id, run.run_id, format_iso8601(next->start),
                   format_iso8601(next->end));
    } catch (const RunExistsError&) {
      // Created before, by an earlier scheduler: the interval is covered.
    }
    last = next;
  }
  return timetable.next_due(last);
}

void Scheduler::start_queued(TimePoint now) {
  // Per group (a DAG's runs of no backfill, "dag:ID"; a backfill's runs,
  // "backfill:N"): how many run, and the limit.
  std::map<std::string, std::pair<int, int>> groups;
  std::map<std::int64_t, std::optional<BackfillRecord>> backfills;  // read once per step
  for (const RunRecord& run : store_.queued_runs()) {
    auto dag = dags_.find(run.dag_id);
    if (dag == dags_.end()) {
      if (warned_.insert(run.run_id).second)
        spdlog::warn("run '{}' waits: DAG '{}' is not loaded (missing or invalid)", run.run_id, run.dag_id);
      continue;
    }
    if (records_[run.dag_id].is_paused) continue;
    std::string group = "dag:" + run.dag_id;
    int limit = dag->second->max_active_runs;
    if (run.backfill_id) {
      auto [b, fresh_backfill] = backfills.try_emplace(*run.backfill_id);
      if (fresh_backfill) b->second = store_.get_backfill(*run.backfill_id);
      // A paused or cancelled backfill's runs wait (the claim checks again).
      if (b->second && (b->second->is_paused || b->second->cancelled_at)) continue;
      group = "backfill:" + std::to_string(*run.backfill_id);
      if (b->second && b->second->max_active_runs > 0) limit = b->second->max_active_runs;
    }
    auto [it, fresh] = groups.try_emplace(group, 0, limit);
    if (fresh)
      it->second.first = run.backfill_id ? store_.count_running_backfill(*run.backfill_id) : store_.count_running(run.dag_id);
    if (it->second.first >= it->second.second) continue;
    // Another engine took it, or (with other schedulers) filled the group's
    // limit since the count above: the claim counts again.
    if (!store_.claim_run(run.run_id, owner_, now, it->second.second)) continue;
    ++it->second.first;
    RunRecord claimed = run;
    claimed.state = RunState::running;
    claimed.owner = owner_;
    if (!claimed.start_date) claimed.start_date = now;
    launcher_.launch(dag->second, std::move(claimed));
  }
}

std::optional<TimePoint> Scheduler::step(TimePoint now) {
  std::optional<TimePoint> next_due;
  // One read for all DAGs; a write only for a DAG seen for the first time.
  records_.clear();
  for (DagRecord& r : store_.list_dags()) records_[r.dag_id] = std::move(r);
  for (const auto& [id, dag] : dags_) {
    auto known = records_.find(id);
    if (known == records_.end()) known = records_.emplace(id, store_.ensure_dag(id, now)).first;
    const DagRecord& record = known->second;
    try {
      auto due = create_due_runs(*dag, record, now);
      if (due && (!next_due || *due < *next_due)) next_due = due;
    } catch (const std::exception& e) {
      spdlog::error("{}: cannot schedule: {}", id, e.what());
    }
  }
  start_queued(now);
  return next_due;
}

}  // namespace dagrun
