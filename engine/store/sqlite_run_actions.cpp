// The SQLite store's side of what a person does to a run: clear its tasks,
// cancel it. Each decides on the run's state and changes it in one write
// transaction (BEGIN IMMEDIATE), so no engine claims or ends the run between
// the check and the change.
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

const std::string kRunState = "SELECT state FROM dag_run WHERE run_id = ?1";

const std::string kClearTask = "UPDATE task_instance SET state = 'queued' WHERE run_id = ?1 AND task_id = ?2";

// A cleared run starts afresh: a cancel asked of its earlier life is over.
const std::string kRequeueCleared =
    "UPDATE dag_run SET state = 'queued', owner = NULL, end_date = NULL, reason = NULL,"
    " cancel_requested = NULL WHERE run_id = ?1";

const std::string kFailQueued =
    "UPDATE dag_run SET state = 'failed', end_date = ?2, reason = ?3, cancel_requested = ?3"
    " WHERE run_id = ?1 AND state = 'queued'";

// The tasks a cancelled run will never start, as the run machine's
// cancel_pending leaves them.
const std::string kSkipUnfinished =
    "UPDATE task_instance SET state = 'skipped' WHERE run_id = ?1 AND state IN ('queued', 'up_for_retry')";

const std::string kRequestCancel =
    "UPDATE dag_run SET cancel_requested = ?2 WHERE run_id = ?1 AND state = 'running'";

const std::string kCancelRequests =
    "SELECT run_id, cancel_requested FROM dag_run WHERE state = 'running' AND cancel_requested IS NOT NULL";

std::optional<RunState> run_state(Connection& c, const std::string& run_id) {
  auto st = c.statement(kRunState);
  st->reset();
  bind_text(*st, 1, run_id);
  if (!st->executeStep()) return std::nullopt;
  return parse_run_state(text(*st, 0));
}

}  // namespace

bool SqliteStore::clear_tasks(const std::string& run_id, const std::vector<std::string>& task_ids) {
  bool cleared = false;
  write("cannot clear tasks of run '" + run_id + "'", [&](Connection& c) {
    const std::optional<RunState> state = run_state(c, run_id);
    cleared = state && *state != RunState::running;
    if (!cleared) return;
    auto st = c.statement(kClearTask);
    for (const auto& task : task_ids) {
      st->reset();
      bind_text(*st, 1, run_id);
      bind_text(*st, 2, task);
      st->exec();
    }
    auto requeue = c.statement(kRequeueCleared);
    requeue->reset();
    bind_text(*requeue, 1, run_id);
    requeue->exec();
  });
  return cleared;
}

CancelResult SqliteStore::cancel_in(Connection& c, const std::string& run_id, const std::string& reason,
                                    TimePoint now) {
  const std::optional<RunState> state = run_state(c, run_id);
  if (!state) return CancelResult::not_found;
  if (is_terminal(*state)) return CancelResult::finished;
  if (*state == RunState::queued) {
    auto fail = c.statement(kFailQueued);
    fail->reset();
    bind_text(*fail, 1, run_id);
    bind_time(*fail, 2, now);
    bind_text(*fail, 3, reason);
    fail->exec();
    auto skip = c.statement(kSkipUnfinished);
    skip->reset();
    bind_text(*skip, 1, run_id);
    skip->exec();
    return CancelResult::cancelled;
  }
  auto request = c.statement(kRequestCancel);
  request->reset();
  bind_text(*request, 1, run_id);
  bind_text(*request, 2, reason);
  request->exec();
  return CancelResult::requested;
}

CancelResult SqliteStore::cancel_run(const std::string& run_id, const std::string& reason, TimePoint now) {
  CancelResult result = CancelResult::not_found;
  write("cannot cancel run '" + run_id + "'", [&](Connection& c) { result = cancel_in(c, run_id, reason, now); });
  return result;
}

std::vector<std::pair<std::string, std::string>> SqliteStore::cancel_requests() const {
  std::vector<std::pair<std::string, std::string>> out;
  read("cannot read cancel requests", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kCancelRequests);
    while (st->executeStep()) out.emplace_back(text(*st, 0), text(*st, 1));
  });
  return out;
}

}  // namespace dagrun
