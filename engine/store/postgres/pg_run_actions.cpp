// The PostgreSQL store's side of what a person does to a run: clear its
// tasks, cancel it. Each locks the run's row (SELECT ... FOR UPDATE) before
// deciding on its state, so no scheduler claims or ends the run between the
// check and the change.
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kLockRun = "SELECT state FROM dag_run WHERE run_id = $1 FOR UPDATE";

const std::string kClearTasks =
    "UPDATE task_instance SET state = 'queued' WHERE run_id = $1 AND task_id = ANY ($2::text[])";

// A cleared run starts afresh: a cancel asked of its earlier life is over.
const std::string kRequeueCleared =
    "UPDATE dag_run SET state = 'queued', owner = NULL, end_date = NULL, reason = NULL,"
    " cancel_requested = NULL WHERE run_id = $1";

const std::string kFailQueued =
    "UPDATE dag_run SET state = 'failed', end_date = $2, reason = $3, cancel_requested = $3"
    " WHERE run_id = $1 AND state = 'queued'";

// The tasks a cancelled run will never start, as the run machine's
// cancel_pending leaves them.
const std::string kSkipUnfinished =
    "UPDATE task_instance SET state = 'skipped' WHERE run_id = $1 AND state IN ('queued', 'up_for_retry')";

const std::string kRequestCancel = "UPDATE dag_run SET cancel_requested = $2 WHERE run_id = $1 AND state = 'running'";

const std::string kCancelRequests =
    "SELECT run_id, cancel_requested FROM dag_run WHERE state = 'running' AND cancel_requested IS NOT NULL";

std::optional<RunState> lock_run(PgConnection& c, const std::string& run_id, const std::string& where) {
  const PgRows rows = c.run(kLockRun, {run_id});
  if (rows.size() == 0) return std::nullopt;
  return run_state_column(rows, 0, 0, where);
}

}  // namespace

bool PgStore::clear_tasks(const std::string& run_id, const std::vector<std::string>& task_ids) {
  bool cleared = false;
  write("cannot clear tasks of run '" + run_id + "'", [&](PgConnection& c) {
    const std::optional<RunState> state = lock_run(c, run_id, where());
    cleared = state && *state != RunState::running;
    if (!cleared) return;
    c.run(kClearTasks, {run_id, text_array(task_ids)});
    c.run(kRequeueCleared, {run_id});
  });
  return cleared;
}

CancelResult PgStore::cancel_in(PgConnection& c, const std::string& run_id, const std::string& reason,
                                TimePoint now) const {
  const std::optional<RunState> state = lock_run(c, run_id, where());
  if (!state) return CancelResult::not_found;
  if (is_terminal(*state)) return CancelResult::finished;
  if (*state == RunState::queued) {
    c.run(kFailQueued, {run_id, time_param(now), reason});
    c.run(kSkipUnfinished, {run_id});
    return CancelResult::cancelled;
  }
  c.run(kRequestCancel, {run_id, reason});
  return CancelResult::requested;
}

CancelResult PgStore::cancel_run(const std::string& run_id, const std::string& reason, TimePoint now) {
  CancelResult result = CancelResult::not_found;
  write("cannot cancel run '" + run_id + "'", [&](PgConnection& c) { result = cancel_in(c, run_id, reason, now); });
  return result;
}

std::vector<std::pair<std::string, std::string>> PgStore::cancel_requests() const {
  std::vector<std::pair<std::string, std::string>> out;
  read("cannot read cancel requests", [&](PgConnection& c) {
    const PgRows rows = c.run(kCancelRequests);
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.text(i, 0), rows.text(i, 1));
  });
  return out;
}

}  // namespace dagrun
