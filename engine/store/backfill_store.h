// Backfills in the history (docs/scheduler.md#backfill): made by `dagrun
// backfill` with the runs it queues, each run pointing at it
// (RunRecord::backfill_id); paused, resumed and cancelled as a whole.
// Which of its runs start is the scheduler's claim (SchedulingStore::
// claim_run), which reads the pause and the cancel in its own transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"

namespace dagrun {

// What cancelling a backfill did: its queued runs failed at once, its
// running ones were asked to stop (their engines act on it).
struct BackfillCancel {
  bool found = false;
  bool already = false;  // it was cancelled before: nothing changed
  std::vector<std::string> failed;     // queued runs, now failed
  std::vector<std::string> requested;  // running runs, now with a cancel request
};

class BackfillStore {
 public:
  virtual ~BackfillStore() = default;

  // Records a backfill (its id ignored) and returns its id; its runs are
  // created after it, each naming it (RunRecord::backfill_id).
  virtual std::int64_t create_backfill(const BackfillRecord& backfill) = 0;
  // A run it reprocesses (cleared, queued again) joins it: paused,
  // limited and cancelled with it from then on. False when the run is not
  // queued.
  virtual bool join_backfill(const std::string& run_id, std::int64_t id) = 0;
  virtual std::optional<BackfillRecord> get_backfill(std::int64_t id) const = 0;
  // Newest first; only one DAG's when dag_id is given.
  virtual std::vector<BackfillRecord> list_backfills(const std::optional<std::string>& dag_id) const = 0;
  virtual BackfillRunCounts backfill_run_counts(std::int64_t id) const = 0;
  // False when there is no such backfill, or it was cancelled.
  virtual bool set_backfill_paused(std::int64_t id, bool paused) = 0;
  // Cancels it: queued runs fail (their tasks skipped, `reason` on the run),
  // running runs get a cancel request; all in one transaction.
  virtual BackfillCancel cancel_backfill(std::int64_t id, const std::string& reason, TimePoint now) = 0;
};

}  // namespace dagrun
