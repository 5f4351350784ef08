// Conversion between history records and PostgreSQL parameters and result
// columns, the counterpart of store/sqlite_rows.h: times go in as ISO 8601
// text and come out as milliseconds since the epoch (the kRun/Try/...Columns
// lists below select them so), states by name, empty text and absent numbers
// as NULL so SQL users can write "error IS NOT NULL".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/records.h"

namespace dagrun::pg_rows {

using Param = std::optional<std::string>;

Param time_param(const std::optional<TimePoint>& t);
Param text_or_null(const std::string& text);
Param int_or_null(std::optional<int> value);
Param state_param(TaskState s);
Param state_param(RunState s);
// A text[] literal of the items (for "= ANY ($n::text[])"): each element
// double-quoted with \ and " escaped, so any id (commas, braces, quotes) is
// one element.
Param text_array(const std::vector<std::string>& items);

// Results. `where` names the database in the error for a value this build
// cannot read (an unknown state name).
std::string text_or_empty(const PgRows& rows, int row, int column);
std::optional<int> int_column(const PgRows& rows, int row, int column);
std::optional<TimePoint> time_column(const PgRows& rows, int row, int column);
TaskState task_state_column(const PgRows& rows, int row, int column, const std::string& where);
RunState run_state_column(const PgRows& rows, int row, int column, const std::string& where);

// A timestamptz column as whole milliseconds since the epoch, the form
// time_column reads (history times are kept to the millisecond).
#define DAGRUN_PG_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

// The select lists the readers below expect, in order, and the matching
// column names for INSERTs ($1, $2, ... in the same order).
inline constexpr const char* kRunColumns =
    "run_id, dag_id, state, run_type, conf, dag_file, " DAGRUN_PG_MS("queued_at") ", " DAGRUN_PG_MS(
        "start_date") ", " DAGRUN_PG_MS("end_date") ", reason, " DAGRUN_PG_MS("logical_date") ", " DAGRUN_PG_MS("data_interval_start") ", " DAGRUN_PG_MS("data_interval_end") ", owner, dag_version, backfill_id";
inline constexpr const char* kRunInsertColumns =
    "run_id, dag_id, state, run_type, conf, dag_file, queued_at, start_date, end_date, reason, "
    "logical_date, data_interval_start, data_interval_end, owner, dag_version, backfill_id";
inline constexpr const char* kTaskColumns = "run_id, task_id, state, try_number, max_tries";
inline constexpr const char* kTryColumns =
    "run_id, task_id, try_number, state, " DAGRUN_PG_MS("start_date") ", " DAGRUN_PG_MS(
        "end_date") ", exit_code, signal, error, log_path, pid, hostname, log_error";
inline constexpr const char* kTryInsertColumns =
    "run_id, task_id, try_number, state, start_date, end_date, exit_code, signal, error, "
    "log_path, pid, hostname, log_error";
inline constexpr const char* kXComColumns = "run_id, task_id, key, value";

PgConnection::Params run_params(const RunRecord& run);
PgConnection::Params task_params(const TaskInstanceRecord& task);
PgConnection::Params try_params(const TryRecord& attempt);
PgConnection::Params xcom_params(const XComRecord& xcom);

RunRecord read_run(const PgRows& rows, int row, const std::string& where);
TaskInstanceRecord read_task(const PgRows& rows, int row, const std::string& where);
TryRecord read_try(const PgRows& rows, int row, const std::string& where);
XComRecord read_xcom(const PgRows& rows, int row);

}  // namespace dagrun::pg_rows
