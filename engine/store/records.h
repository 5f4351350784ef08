// Rows of the run history, as the engine writes them and the CLI reads them.
// Times are UTC; the SQLite store keeps them as ISO 8601 text (see docs/store.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/model.h"
#include "model/states.h"

namespace dagrun {

struct RunRecord {
  std::string run_id;  // unique across all DAGs
  std::string dag_id;
  RunState state = RunState::queued;
  std::string run_type = "manual";  // manual | scheduled
  std::string conf_json = "{}";
  std::string dag_file;
  std::optional<TimePoint> queued_at;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  std::string reason;  // why a run failed when no task explains it ("interrupted by SIGINT")
  // Scheduled runs cover a data interval; a manual run's is [queued_at, queued_at].
  std::optional<TimePoint> logical_date;
  std::optional<TimePoint> data_interval_start;
  std::optional<TimePoint> data_interval_end;
  std::string owner;  // the engine running it (EngineRecord::engine_id); empty when none
  // The version of the DAG it runs (DagVersionRecord::version); empty for a
  // run recorded before versions were kept, or of a DAG built in code.
  std::string dag_version;
  // The backfill that queued it (BackfillRecord::id); none for other runs.
  std::optional<std::int64_t> backfill_id;
};

// A backfill (docs/scheduler.md#backfill): the runs one `dagrun backfill`
// queued, started at most max_active_runs at a time, paused and cancelled
// as a whole.
struct BackfillRecord {
  std::int64_t id = 0;  // given by the history, from 1
  std::string dag_id;
  TimePoint from{};  // the range as asked: intervals whose start is in [from, to]
  TimePoint to{};
  std::string reprocess = "none";  // none | failed | all
  bool backwards = false;
  int max_active_runs = 0;  // 0: the DAG's max_active_runs
  bool is_paused = false;
  TimePoint created_at{};
  std::optional<TimePoint> cancelled_at;
  std::string cancel_reason;
};

// A backfill's runs by state.
struct BackfillRunCounts {
  int queued = 0;
  int running = 0;
  int success = 0;
  int failed = 0;
  int active() const { return queued + running; }
};

// One version of a DAG: the exact text of its file, kept once per
// (dag_id, version) however many runs run it.
struct DagVersionRecord {
  std::string dag_id;
  std::string version;  // hex SHA-256 of source
  std::string source;   // the DAG file's text
  std::string file;     // where it was loaded from
  TimePoint created_at{};  // when the first run of it was created
};

// An engine process (a scheduler or a foreground trigger) that owns runs. It
// renews heartbeat_at while it lives; a run whose owner is gone is recovered.
// What asking a run to stop did.
enum class CancelResult {
  not_found,
  finished,   // it had already ended: nothing changed
  cancelled,  // it was queued: failed now, its unfinished tasks skipped
  requested,  // it is running: its engine stops it (SchedulingStore::cancel_requests)
};

struct EngineRecord {
  std::string engine_id;  // "<hostname>:<pid>:<pid_start>"
  std::string kind;       // scheduler | trigger
  std::string hostname;
  int pid = 0;
  std::int64_t pid_start = 0;  // the process's start time (clock ticks since boot), to tell a reused pid
  TimePoint started_at{};
  TimePoint heartbeat_at{};
};

// What the scheduler keeps per DAG besides its runs.
struct DagRecord {
  std::string dag_id;
  bool is_paused = false;
  TimePoint first_seen{};  // the start of the schedule of a DAG without start_date
};

// The current state of one task in one run; try_number 0 until its first try.
struct TaskInstanceRecord {
  std::string run_id;
  std::string task_id;
  TaskState state = TaskState::queued;
  int try_number = 0;
  int max_tries = 1;  // retries + 1
};

// One try of one task.
struct TryRecord {
  std::string run_id;
  std::string task_id;
  int try_number = 1;
  TaskState state = TaskState::running;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  std::optional<int> exit_code;
  std::optional<int> signal;  // the signal that ended the process, if any
  std::string error;          // empty on success
  std::string log_path;
  std::optional<int> pid;     // the child process (process isolation, commands)
  std::string hostname;
  std::string log_error;      // why the log file lacks output (a full disk); empty when complete
};

struct XComRecord {
  std::string run_id;
  std::string task_id;
  std::string key;
  std::string value_json;
};

// One action of a callback event (docs/callbacks.md): recorded, pending, in
// the same transaction stream as the state it is about, so the history
// never holds a failure without its callback; the engine's dispatcher sends
// it and records the outcome. Recording the same (run, task, try, event,
// action) again changes nothing: an event is recorded once however many
// paths (a run, recovery, a journal's replay) report it.
struct CallbackRecord {
  std::int64_t id = 0;  // the store's; 0 in a change
  std::string run_id;
  std::string dag_id;
  std::string task_id;  // empty: the run's own event
  int try_number = 0;   // the try the event is about; 0 for the run's
  std::string event;    // failure | retry | success (model/callbacks.h)
  int action = 0;       // the index in the event's list
  std::string state = "pending";  // pending | running | sent | failed
  int attempts = 0;
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> next_at;  // a pending one is not sent before
  std::optional<TimePoint> ended_at;
  std::string claimed_by;  // the engine sending it
  std::optional<TimePoint> claim_until;
  std::string error;  // why the last attempt failed
};

// Changes applied together in one transaction by Store::apply.
struct RunUpdate {
  std::string run_id;
  RunState state;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  std::optional<std::string> reason;
};

using StoreChange = std::variant<RunUpdate, TaskInstanceRecord, TryRecord, XComRecord, CallbackRecord>;

// The change as every store's error names it: "try 2 of task 't' of run 'r'".
std::string describe_change(const StoreChange& change);

// Which runs list_runs returns, newest first: by start time, else the time
// they were queued, then by creation.
struct RunFilter {
  std::optional<std::string> dag_id;
  std::optional<RunState> state;
  int limit = 0;  // 0: no limit
  // A page's cursor: only the runs after this one in that order. A run id
  // the history lacks gives no runs.
  std::optional<std::string> after_run = {};
  // Only runs whose start (else queued) time is in [since, until).
  std::optional<TimePoint> since = {};
  std::optional<TimePoint> until = {};
};

}  // namespace dagrun
