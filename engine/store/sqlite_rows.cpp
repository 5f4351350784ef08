#include "store/sqlite_rows.h"

#include "model/iso_time.h"
#include "store/store_error.h"

namespace dagrun::sqlite_rows {

void bind_text(SQLite::Statement& st, int index, const std::string& text) {
  st.bindNoCopy(index, text);
}

void bind_text_or_null(SQLite::Statement& st, int index, const std::string& text) {
  if (text.empty())
    st.bind(index);
  else
    st.bindNoCopy(index, text);
}

void bind_int_or_null(SQLite::Statement& st, int index, std::optional<int> value) {
  if (value)
    st.bind(index, *value);
  else
    st.bind(index);
}

void bind_time(SQLite::Statement& st, int index, const std::optional<TimePoint>& t) {
  if (t)
    st.bind(index, format_iso8601(*t));  // copied: the formatted text is a temporary
  else
    st.bind(index);
}

// State names are string literals, so they outlive any statement.
void bind_state(SQLite::Statement& st, int index, TaskState s) {
  st.bindNoCopy(index, to_string(s).data());
}

void bind_state(SQLite::Statement& st, int index, RunState s) {
  st.bindNoCopy(index, to_string(s).data());
}

std::string text(const SQLite::Statement& st, int column) {
  auto c = st.getColumn(column);
  return std::string(c.getText(), static_cast<size_t>(c.getBytes()));
}

std::optional<int> int_or_null(const SQLite::Statement& st, int column) {
  auto c = st.getColumn(column);
  if (c.isNull()) return std::nullopt;
  return c.getInt();
}

std::optional<TimePoint> time(const SQLite::Statement& st, int column, const std::string& file) {
  auto c = st.getColumn(column);
  if (c.isNull()) return std::nullopt;
  auto t = parse_iso8601(c.getText());
  if (!t)
    throw StoreError(file + ": column " + c.getName() + ": '" + c.getText() +
                     "' is not an ISO 8601 time");
  return t;
}

TaskState task_state(const SQLite::Statement& st, int column, const std::string& file) {
  auto c = st.getColumn(column);
  auto s = parse_task_state(c.getText());
  if (!s) throw StoreError(file + ": unknown task state '" + c.getText() + "'");
  return *s;
}

RunState run_state(const SQLite::Statement& st, int column, const std::string& file) {
  auto c = st.getColumn(column);
  auto s = parse_run_state(c.getText());
  if (!s) throw StoreError(file + ": unknown run state '" + c.getText() + "'");
  return *s;
}

void bind_run(SQLite::Statement& st, const RunRecord& run) {
  bind_text(st, 1, run.run_id);
  bind_text(st, 2, run.dag_id);
  bind_state(st, 3, run.state);
  bind_text(st, 4, run.run_type);
  if (run.conf_json.empty())
    st.bind(5, "{}");
  else
    bind_text(st, 5, run.conf_json);
  bind_text(st, 6, run.dag_file);
  bind_time(st, 7, run.queued_at);
  bind_time(st, 8, run.start_date);
  bind_time(st, 9, run.end_date);
  bind_text_or_null(st, 10, run.reason);
  bind_time(st, 11, run.logical_date);
  bind_time(st, 12, run.data_interval_start);
  bind_time(st, 13, run.data_interval_end);
  bind_text_or_null(st, 14, run.owner);
  bind_text_or_null(st, 15, run.dag_version);
  if (run.backfill_id)
    st.bind(16, static_cast<std::int64_t>(*run.backfill_id));
  else
    st.bind(16);
}

void bind_task(SQLite::Statement& st, const TaskInstanceRecord& task) {
  bind_text(st, 1, task.run_id);
  bind_text(st, 2, task.task_id);
  bind_state(st, 3, task.state);
  st.bind(4, task.try_number);
  st.bind(5, task.max_tries);
}

void bind_try(SQLite::Statement& st, const TryRecord& attempt) {
  bind_text(st, 1, attempt.run_id);
  bind_text(st, 2, attempt.task_id);
  st.bind(3, attempt.try_number);
  bind_state(st, 4, attempt.state);
  bind_time(st, 5, attempt.start_date);
  bind_time(st, 6, attempt.end_date);
  bind_int_or_null(st, 7, attempt.exit_code);
  bind_int_or_null(st, 8, attempt.signal);
  bind_text_or_null(st, 9, attempt.error);
  bind_text_or_null(st, 10, attempt.log_path);
  bind_int_or_null(st, 11, attempt.pid);
  bind_text_or_null(st, 12, attempt.hostname);
  bind_text_or_null(st, 13, attempt.log_error);
}

void bind_xcom(SQLite::Statement& st, const XComRecord& xcom) {
  bind_text(st, 1, xcom.run_id);
  bind_text(st, 2, xcom.task_id);
  bind_text(st, 3, xcom.key);
  bind_text(st, 4, xcom.value_json);
}

RunRecord read_run(const SQLite::Statement& st, const std::string& file) {
  RunRecord r;
  r.run_id = text(st, 0);
  r.dag_id = text(st, 1);
  r.state = run_state(st, 2, file);
  r.run_type = text(st, 3);
  r.conf_json = text(st, 4);
  r.dag_file = text(st, 5);
  r.queued_at = time(st, 6, file);
  r.start_date = time(st, 7, file);
  r.end_date = time(st, 8, file);
  r.reason = text(st, 9);
  r.logical_date = time(st, 10, file);
  r.data_interval_start = time(st, 11, file);
  r.data_interval_end = time(st, 12, file);
  r.owner = text(st, 13);
  r.dag_version = text(st, 14);
  if (!st.getColumn(15).isNull()) r.backfill_id = st.getColumn(15).getInt64();
  return r;
}

TaskInstanceRecord read_task(const SQLite::Statement& st, const std::string& file) {
  TaskInstanceRecord t;
  t.run_id = text(st, 0);
  t.task_id = text(st, 1);
  t.state = task_state(st, 2, file);
  t.try_number = st.getColumn(3).getInt();
  t.max_tries = st.getColumn(4).getInt();
  return t;
}

TryRecord read_try(const SQLite::Statement& st, const std::string& file) {
  TryRecord t;
  t.run_id = text(st, 0);
  t.task_id = text(st, 1);
  t.try_number = st.getColumn(2).getInt();
  t.state = task_state(st, 3, file);
  t.start_date = time(st, 4, file);
  t.end_date = time(st, 5, file);
  t.exit_code = int_or_null(st, 6);
  t.signal = int_or_null(st, 7);
  t.error = text(st, 8);
  t.log_path = text(st, 9);
  t.pid = int_or_null(st, 10);
  t.hostname = text(st, 11);
  t.log_error = text(st, 12);
  return t;
}

XComRecord read_xcom(const SQLite::Statement& st) {
  return XComRecord{text(st, 0), text(st, 1), text(st, 2), text(st, 3)};
}

}  // namespace dagrun::sqlite_rows
