#include "web/history_diff.h"

#include "app/history_json.h"

namespace dagrun::web {

void HistoryDiff::compare_tasks(const HistoryReader& history, const RunRecord& run, RunPicture& picture, bool report,
                                std::vector<HistoryEvent>& out) {
  for (const TryRecord& t : history.list_tries(run.run_id)) {
    auto [it, inserted] = picture.tries.try_emplace({t.task_id, t.try_number}, t.state);
    const bool changed = inserted || it->second != t.state;
    it->second = t.state;
    if (report && changed) {
      nlohmann::json data = app::try_json(t);
      data["run_id"] = run.run_id;
      out.push_back({"try", std::move(data)});
    }
  }
  for (const TaskInstanceRecord& ti : history.list_task_instances(run.run_id)) {
    auto [it, inserted] = picture.tasks.try_emplace(ti.task_id, ti.state, ti.try_number);
    const bool changed = inserted || it->second != std::make_pair(ti.state, ti.try_number);
    it->second = {ti.state, ti.try_number};
    if (report && changed)
      out.push_back({"task",
                     {{"run_id", run.run_id},
                      {"task_id", ti.task_id},
                      {"state", to_string(ti.state)},
                      {"try_number", ti.try_number},
                      {"max_tries", ti.max_tries}}});
  }
}

std::vector<HistoryEvent> HistoryDiff::changes(const HistoryReader& history, TimePoint now) {
  std::map<std::string, RunRecord> current;
  for (RunState state : {RunState::queued, RunState::running}) {
    RunFilter f;
    f.state = state;
    for (RunRecord& r : history.list_runs(f)) current.emplace(r.run_id, std::move(r));
  }
  RunFilter recent;
  recent.since = now - kLookBack;
  for (RunRecord& r : history.list_runs(recent)) current.emplace(r.run_id, std::move(r));
  // Runs seen still changing last time and not listed now have ended (or
  // were deleted): read each once more to report how it ended.
  for (const auto& [run_id, picture] : runs_)
    if (!current.count(run_id) && (picture.state == RunState::queued || picture.state == RunState::running))
      if (auto r = history.get_run(run_id)) current.emplace(run_id, std::move(*r));

  std::vector<HistoryEvent> out;
  const bool report = !first_;
  first_ = false;
  std::unordered_map<std::string, RunPicture> next;
  for (auto& [run_id, run] : current) {
    auto old = runs_.find(run_id);
    const bool known = old != runs_.end();
    RunPicture picture = known ? std::move(old->second) : RunPicture{};
    const bool changed = !known || picture.state != run.state;
    const bool active = run.state == RunState::queued || run.state == RunState::running;
    // A finished run that was already seen finished cannot have changed
    // tasks: its tasks are not read again.
    if (changed || active) compare_tasks(history, run, picture, report, out);
    picture.state = run.state;
    if (report && changed) out.push_back({"run", app::run_json(run)});
    next.emplace(run_id, std::move(picture));
  }
  runs_ = std::move(next);
  return out;
}

}  // namespace dagrun::web
