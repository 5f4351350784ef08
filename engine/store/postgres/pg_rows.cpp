#include "store/postgres/pg_rows.h"

#include <charconv>

#include "model/iso_time.h"

namespace dagrun::pg_rows {

Param time_param(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return format_iso8601(*t);
}

Param text_or_null(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

Param int_or_null(std::optional<int> value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

Param state_param(TaskState s) { return std::string(to_string(s)); }

Param state_param(RunState s) { return std::string(to_string(s)); }

Param text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string text_or_empty(const PgRows& rows, int row, int column) { return rows.get(row, column).value_or(""); }

namespace {

template <typename T>
std::optional<T> number(const PgRows& rows, int row, int column) {
  const std::optional<std::string> v = rows.get(row, column);
  if (!v) return std::nullopt;
  T out{};
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size())
    throw StoreError("column " + std::to_string(column) + ": '" + *v + "' is not a number");
  return out;
}

}  // namespace

std::optional<int> int_column(const PgRows& rows, int row, int column) { return number<int>(rows, row, column); }

std::optional<TimePoint> time_column(const PgRows& rows, int row, int column) {
  const std::optional<long long> ms = number<long long>(rows, row, column);
  if (!ms) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(*ms)));
}

TaskState task_state_column(const PgRows& rows, int row, int column, const std::string& where) {
  const std::string name = rows.text(row, column);
  auto s = parse_task_state(name);
  if (!s) throw StoreError(where + ": unknown task state '" + name + "'");
  return *s;
}

RunState run_state_column(const PgRows& rows, int row, int column, const std::string& where) {
  const std::string name = rows.text(row, column);
  auto s = parse_run_state(name);
  if (!s) throw StoreError(where + ": unknown run state '" + name + "'");
  return *s;
}

PgConnection::Params run_params(const RunRecord& run) {
  return {run.run_id,
          run.dag_id,
          state_param(run.state),
          run.run_type,
          run.conf_json.empty() ? std::string("{}") : run.conf_json,
          run.dag_file,
          time_param(run.queued_at),
          time_param(run.start_date),
          time_param(run.end_date),
          text_or_null(run.reason),
          time_param(run.logical_date),
          time_param(run.data_interval_start),
          time_param(run.data_interval_end),
          text_or_null(run.owner),
          text_or_null(run.dag_version),
          run.backfill_id ? Param(std::to_string(*run.backfill_id)) : Param()};
}

PgConnection::Params task_params(const TaskInstanceRecord& task) {
  return {task.run_id, task.task_id, state_param(task.state), std::to_string(task.try_number),
          std::to_string(task.max_tries)};
}

PgConnection::Params try_params(const TryRecord& t) {
  return {t.run_id,
          t.task_id,
          std::to_string(t.try_number),
          state_param(t.state),
          time_param(t.start_date),
          time_param(t.end_date),
          int_or_null(t.exit_code),
          int_or_null(t.signal),
          text_or_null(t.error),
          text_or_null(t.log_path),
          int_or_null(t.pid),
          text_or_null(t.hostname),
          text_or_null(t.log_error)};
}

PgConnection::Params xcom_params(const XComRecord& x) { return {x.run_id, x.task_id, x.key, x.value_json}; }

RunRecord read_run(const PgRows& rows, int i, const std::string& where) {
  RunRecord r;
  r.run_id = rows.text(i, 0);
  r.dag_id = rows.text(i, 1);
  r.state = run_state_column(rows, i, 2, where);
  r.run_type = rows.text(i, 3);
  r.conf_json = rows.text(i, 4);
  r.dag_file = rows.text(i, 5);
  r.queued_at = time_column(rows, i, 6);
  r.start_date = time_column(rows, i, 7);
  r.end_date = time_column(rows, i, 8);
  r.reason = text_or_empty(rows, i, 9);
  r.logical_date = time_column(rows, i, 10);
  r.data_interval_start = time_column(rows, i, 11);
  r.data_interval_end = time_column(rows, i, 12);
  r.owner = text_or_empty(rows, i, 13);
  r.dag_version = text_or_empty(rows, i, 14);
  if (auto id = rows.get(i, 15)) r.backfill_id = std::stoll(*id);
  return r;
}

TaskInstanceRecord read_task(const PgRows& rows, int i, const std::string& where) {
  TaskInstanceRecord t;
  t.run_id = rows.text(i, 0);
  t.task_id = rows.text(i, 1);
  t.state = task_state_column(rows, i, 2, where);
  t.try_number = int_column(rows, i, 3).value_or(0);
  t.max_tries = int_column(rows, i, 4).value_or(1);
  return t;
}

TryRecord read_try(const PgRows& rows, int i, const std::string& where) {
  TryRecord t;
  t.run_id = rows.text(i, 0);
  t.task_id = rows.text(i, 1);
  t.try_number = int_column(rows, i, 2).value_or(0);
  t.state = task_state_column(rows, i, 3, where);
  t.start_date = time_column(rows, i, 4);
  t.end_date = time_column(rows, i, 5);
  t.exit_code = int_column(rows, i, 6);
  t.signal = int_column(rows, i, 7);
  t.error = text_or_empty(rows, i, 8);
  t.log_path = text_or_empty(rows, i, 9);
  t.pid = int_column(rows, i, 10);
  t.hostname = text_or_empty(rows, i, 11);
  t.log_error = text_or_empty(rows, i, 12);
  return t;
}

XComRecord read_xcom(const PgRows& rows, int i) {
  return XComRecord{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3)};
}

}  // namespace dagrun::pg_rows
