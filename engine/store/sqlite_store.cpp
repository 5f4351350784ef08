#include "store/sqlite_store.h"

#include "store/sqlite_store_impl.h"

#include <mutex>
#include <string>
#include <vector>

#include "store/schema.h"
#include "store/sqlite_rows.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

const std::string kInsertRun = std::string("INSERT INTO dag_run (") + kRunColumns +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                               " ON CONFLICT (run_id) DO NOTHING";

// A RunUpdate leaves the fields it does not carry as they are.
const std::string kUpdateRun =
    "UPDATE dag_run SET state = ?2, start_date = coalesce(?3, start_date),"
    " end_date = coalesce(?4, end_date), reason = CASE WHEN ?5 THEN ?6 ELSE reason END"
    " WHERE run_id = ?1";

// Upserts rather than INSERT OR REPLACE: REPLACE deletes the old row first,
// which changes its rowid (the creation order listings use).
const std::string kUpsertTask = std::string("INSERT INTO task_instance (") + kTaskColumns +
                                ") VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, task_id)"
                                " DO UPDATE SET state = excluded.state,"
                                " try_number = excluded.try_number, max_tries = excluded.max_tries";

const std::string kUpsertTry =
    std::string("INSERT INTO task_try (") + kTryColumns +
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    " ON CONFLICT (run_id, task_id, try_number) DO UPDATE SET state = excluded.state,"
    " start_date = excluded.start_date, end_date = excluded.end_date,"
    " exit_code = excluded.exit_code, signal = excluded.signal, error = excluded.error,"
    " log_path = excluded.log_path, pid = excluded.pid, hostname = excluded.hostname,"
    " log_error = excluded.log_error";

const std::string kUpsertXCom =
    std::string("INSERT INTO xcom (") + kXComColumns +
    ") VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (run_id, task_id, key) DO UPDATE SET value = excluded.value";

// Newest first; the expression matches the dag_run_*newest indexes exactly.
// rowid breaks ties by creation order and comes free with those indexes.
std::string list_runs_sql(const RunFilter& f) {
  constexpr const char* kKey = "coalesce(start_date, queued_at)";
  std::vector<std::string> where;
  if (f.dag_id) where.push_back("dag_id = ?1");
  if (f.state) where.push_back("state = ?2");
  // A row value, so a page starts exactly after the cursor's run even among
  // runs of the same time (SQLite compares row values with the index).
  if (f.after_run)
    where.push_back(std::string("(") + kKey + ", rowid) < (SELECT " + kKey +
                    ", rowid FROM dag_run WHERE run_id = ?4)");
  if (f.since) where.push_back(std::string(kKey) + " >= ?5");
  if (f.until) where.push_back(std::string(kKey) + " < ?6");
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM dag_run";
  for (size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  return sql + " ORDER BY " + kKey + " DESC, rowid DESC LIMIT ?3";
}

const std::string kGetRun =
    std::string("SELECT ") + kRunColumns + " FROM dag_run WHERE run_id = ?1";

// Task instances in the order create_run inserted them (the DAG's order).
const std::string kListTasks =
    std::string("SELECT ") + kTaskColumns + " FROM task_instance WHERE run_id = ?1 ORDER BY rowid";

const std::string kListTries =
    "SELECT t.run_id, t.task_id, t.try_number, t.state, t.start_date, t.end_date, t.exit_code,"
    " t.signal, t.error, t.log_path, t.pid, t.hostname, t.log_error"
    " FROM task_try t LEFT JOIN task_instance i"
    " ON i.run_id = t.run_id AND i.task_id = t.task_id"
    " WHERE t.run_id = ?1 ORDER BY i.rowid, t.task_id, t.try_number";

const std::string kGetTry = std::string("SELECT ") + kTryColumns +
                            " FROM task_try WHERE run_id = ?1 AND task_id = ?2 AND try_number = ?3";

const std::string kGetLatestTry = std::string("SELECT ") + kTryColumns +
                                  " FROM task_try WHERE run_id = ?1 AND task_id = ?2"
                                  " ORDER BY try_number DESC LIMIT 1";

const std::string kGetXCom =
    "SELECT value FROM xcom WHERE run_id = ?1 AND task_id = ?2 AND key = ?3";

const std::string kListXComs =
    "SELECT x.run_id, x.task_id, x.key, x.value"
    " FROM xcom x LEFT JOIN task_instance i"
    " ON i.run_id = x.run_id AND i.task_id = x.task_id"
    " WHERE x.run_id = ?1 ORDER BY i.rowid, x.task_id, x.key";

template <typename R>
void upsert(SQLite::Statement& s, const R& record, void (*bind)(SQLite::Statement&, const R&)) {
  s.reset();
  bind(s, record);
  s.exec();
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, const SqliteOptions& options)
    : writer_(path, options, Connection::Mode::read_write) {
  migrate(writer_, schema_migrations());
  // Reads get their own connection so that, under WAL, they see the last
  // commit without waiting for the writer's mutex or its transaction.
  reader_ = std::make_unique<Connection>(path, options, Connection::Mode::query_only);
}

void SqliteStore::create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks,
                             const DagVersionRecord* version) {
  std::lock_guard lock(write_mu_);
  writer_.write("cannot create run '" + run.run_id + "'", [&] {
    if (version) insert_dag_version(writer_, *version);
    auto insert = writer_.statement(kInsertRun);
    insert->reset();
    bind_run(*insert, run);
    if (insert->exec() == 0) throw RunExistsError("run id '" + run.run_id + "' already exists");
    auto upsert = writer_.statement(kUpsertTask);
    for (const auto& task : tasks) {
      upsert->reset();
      bind_task(*upsert, task);
      bind_text(*upsert, 1, run.run_id);  // every task belongs to the run being created
      upsert->exec();
    }
  });
}

void SqliteStore::apply(const std::vector<StoreChange>& changes) {
  if (changes.empty()) return;
  std::lock_guard lock(write_mu_);
  writer_.write("cannot record run history", [&] {
    Statements st{writer_.statement(kUpdateRun), writer_.statement(kUpsertTask),
                  writer_.statement(kUpsertTry), writer_.statement(kUpsertXCom)};
    for (const auto& change : changes) {
      try {
        std::visit([&](const auto& c) { apply_one(st, c); }, change);
      } catch (const SQLite::Exception& e) {
        if (is_busy(e)) throw;  // the whole transaction is retried
        throw StoreError(writer_.path() + ": cannot record " + describe_change(change) + ": " +
                         e.what());
      }
    }
  });
}

std::vector<RunRecord> SqliteStore::list_runs(const RunFilter& filter) const {
  std::vector<RunRecord> out;
  read("cannot list runs", [&](Connection& c) {
    out.clear();
    auto st = c.statement(list_runs_sql(filter));
    if (filter.dag_id) bind_text(*st, 1, *filter.dag_id);
    if (filter.state) bind_state(*st, 2, *filter.state);
    st->bind(3, filter.limit > 0 ? filter.limit : -1);  // a negative LIMIT means none
    if (filter.after_run) bind_text(*st, 4, *filter.after_run);
    if (filter.since) bind_time(*st, 5, filter.since);
    if (filter.until) bind_time(*st, 6, filter.until);
    while (st->executeStep()) out.push_back(read_run(*st, c.path()));
  });
  return out;
}

std::optional<RunRecord> SqliteStore::get_run(const std::string& run_id) const {
  std::optional<RunRecord> out;
  read("cannot read run '" + run_id + "'", [&](Connection& c) {
    auto st = c.statement(kGetRun);
    bind_text(*st, 1, run_id);
    out = st->executeStep() ? std::optional(read_run(*st, c.path())) : std::nullopt;
  });
  return out;
}

std::vector<TaskInstanceRecord> SqliteStore::list_task_instances(const std::string& run_id) const {
  std::vector<TaskInstanceRecord> out;
  read("cannot list tasks of run '" + run_id + "'", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kListTasks);
    bind_text(*st, 1, run_id);
    while (st->executeStep()) out.push_back(read_task(*st, c.path()));
  });
  return out;
}

std::vector<TryRecord> SqliteStore::list_tries(const std::string& run_id) const {
  std::vector<TryRecord> out;
  read("cannot list tries of run '" + run_id + "'", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kListTries);
    bind_text(*st, 1, run_id);
    while (st->executeStep()) out.push_back(read_try(*st, c.path()));
  });
  return out;
}

std::optional<TryRecord> SqliteStore::get_try(const std::string& run_id, const std::string& task_id,
                                              std::optional<int> try_number) const {
  std::optional<TryRecord> out;
  read("cannot read task '" + task_id + "' of run '" + run_id + "'", [&](Connection& c) {
    auto st = c.statement(try_number ? kGetTry : kGetLatestTry);
    bind_text(*st, 1, run_id);
    bind_text(*st, 2, task_id);
    if (try_number) st->bind(3, *try_number);
    out = st->executeStep() ? std::optional(read_try(*st, c.path())) : std::nullopt;
  });
  return out;
}

std::optional<std::string> SqliteStore::get_xcom(const std::string& run_id, const std::string& task_id,
                                                 const std::string& key) const {
  std::optional<std::string> out;
  read("cannot read xcom '" + key + "' of task '" + task_id + "'", [&](Connection& c) {
    auto st = c.statement(kGetXCom);
    bind_text(*st, 1, run_id);
    bind_text(*st, 2, task_id);
    bind_text(*st, 3, key);
    out = st->executeStep() ? std::optional(text(*st, 0)) : std::nullopt;
  });
  return out;
}

std::vector<XComRecord> SqliteStore::list_xcoms(const std::string& run_id) const {
  std::vector<XComRecord> out;
  read("cannot list xcoms of run '" + run_id + "'", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kListXComs);
    bind_text(*st, 1, run_id);
    while (st->executeStep()) out.push_back(read_xcom(*st));
  });
  return out;
}

void SqliteStore::apply_one(Statements& st, const RunUpdate& u) {
  auto& s = *st.update_run;
  s.reset();
  bind_text(s, 1, u.run_id);
  bind_state(s, 2, u.state);
  bind_time(s, 3, u.start_date);
  bind_time(s, 4, u.end_date);
  s.bind(5, u.reason.has_value() ? 1 : 0);
  if (u.reason)
    bind_text_or_null(s, 6, *u.reason);
  else
    s.bind(6);
  if (s.exec() == 0)
    throw StoreError(writer_.path() + ": cannot record run '" + u.run_id + "': no such run");
}

void SqliteStore::apply_one(Statements& st, const TaskInstanceRecord& t) {
  upsert(*st.upsert_task, t, bind_task);
}

void SqliteStore::apply_one(Statements& st, const TryRecord& t) { upsert(*st.upsert_try, t, bind_try); }

void SqliteStore::apply_one(Statements& st, const XComRecord& x) { upsert(*st.upsert_xcom, x, bind_xcom); }

void SqliteStore::read(const std::string& what, const std::function<void(Connection&)>& body) const {
  std::lock_guard lock(read_mu_);
  reader_->read(what, [&] { body(*reader_); });
}

void SqliteStore::write(const std::string& what, const std::function<void(Connection&)>& body) {
  std::lock_guard lock(write_mu_);
  writer_.write(what, [&] { body(writer_); });
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  return open_sqlite_store(path, SqliteOptions{});
}

}  // namespace dagrun
