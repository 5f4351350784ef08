// Conversion between history records and SQLite statement parameters and
// result columns: times as ISO 8601 text, states by name, empty text and
// absent numbers as NULL so SQL users can write "error IS NOT NULL".
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>

#include "store/records.h"

namespace dagrun::sqlite_rows {

// Parameters. Text is bound without copying: the string must outlive the step.
void bind_text(SQLite::Statement& st, int index, const std::string& text);
void bind_text_or_null(SQLite::Statement& st, int index, const std::string& text);
void bind_int_or_null(SQLite::Statement& st, int index, std::optional<int> value);
void bind_time(SQLite::Statement& st, int index, const std::optional<TimePoint>& t);
void bind_state(SQLite::Statement& st, int index, TaskState s);
void bind_state(SQLite::Statement& st, int index, RunState s);

// Results. `file` names the database in the error for a value this build
// cannot read (an unknown state name, a malformed time).
std::string text(const SQLite::Statement& st, int column);
std::optional<int> int_or_null(const SQLite::Statement& st, int column);
std::optional<TimePoint> time(const SQLite::Statement& st, int column, const std::string& file);
TaskState task_state(const SQLite::Statement& st, int column, const std::string& file);
RunState run_state(const SQLite::Statement& st, int column, const std::string& file);

// The column lists the readers below expect, in order.
inline constexpr const char* kRunColumns =
    "run_id, dag_id, state, run_type, conf, dag_file, queued_at, start_date, end_date, reason, "
    "logical_date, data_interval_start, data_interval_end, owner, dag_version, backfill_id";
inline constexpr const char* kTaskColumns = "run_id, task_id, state, try_number, max_tries";
inline constexpr const char* kTryColumns =
    "run_id, task_id, try_number, state, start_date, end_date, exit_code, signal, error, "
    "log_path, pid, hostname, log_error";
inline constexpr const char* kXComColumns = "run_id, task_id, key, value";

// Binds a record's columns as parameters ?1, ?2, ... in the order above.
void bind_run(SQLite::Statement& st, const RunRecord& run);
void bind_task(SQLite::Statement& st, const TaskInstanceRecord& task);
void bind_try(SQLite::Statement& st, const TryRecord& attempt);
void bind_xcom(SQLite::Statement& st, const XComRecord& xcom);

// Reads the current row, selected with the column list above.
RunRecord read_run(const SQLite::Statement& st, const std::string& file);
TaskInstanceRecord read_task(const SQLite::Statement& st, const std::string& file);
TryRecord read_try(const SQLite::Statement& st, const std::string& file);
XComRecord read_xcom(const SQLite::Statement& st);

}  // namespace dagrun::sqlite_rows
