#include "store/postgres/pg_store.h"

#include <chrono>
#include <thread>

#include "store/db_url.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kInsertRun = std::string("INSERT INTO dag_run (") + kRunInsertColumns +
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                               " ON CONFLICT (run_id) DO NOTHING";

// A RunUpdate leaves the fields it does not carry as they are.
const std::string kUpdateRun =
    "UPDATE dag_run SET state = $2, start_date = coalesce($3::timestamptz, start_date),"
    " end_date = coalesce($4::timestamptz, end_date), reason = CASE WHEN $5::boolean THEN $6 ELSE reason END"
    " WHERE run_id = $1";

const std::string kUpsertTask = std::string("INSERT INTO task_instance (") + kTaskColumns +
                                ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, task_id)"
                                " DO UPDATE SET state = excluded.state,"
                                " try_number = excluded.try_number, max_tries = excluded.max_tries";

const std::string kUpsertTry =
    std::string("INSERT INTO task_try (") + kTryInsertColumns +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    " ON CONFLICT (run_id, task_id, try_number) DO UPDATE SET state = excluded.state,"
    " start_date = excluded.start_date, end_date = excluded.end_date,"
    " exit_code = excluded.exit_code, signal = excluded.signal, error = excluded.error,"
    " log_path = excluded.log_path, pid = excluded.pid, hostname = excluded.hostname,"
    " log_error = excluded.log_error";

const std::string kUpsertXCom = std::string("INSERT INTO xcom (") + kXComColumns +
                                ") VALUES ($1, $2, $3, $4)"
                                " ON CONFLICT (run_id, task_id, key) DO UPDATE SET value = excluded.value";

const std::string kGetRun = std::string("SELECT ") + kRunColumns + " FROM dag_run WHERE run_id = $1";

const std::string kListTasks =
    std::string("SELECT ") + kTaskColumns + " FROM task_instance WHERE run_id = $1 ORDER BY seq";

const std::string kListTries =
    "SELECT t.run_id, t.task_id, t.try_number, t.state, " DAGRUN_PG_MS("t.start_date") ", " DAGRUN_PG_MS(
        "t.end_date") ", t.exit_code, t.signal, t.error, t.log_path, t.pid, t.hostname, t.log_error"
    " FROM task_try t LEFT JOIN task_instance i ON i.run_id = t.run_id AND i.task_id = t.task_id"
    " WHERE t.run_id = $1 ORDER BY i.seq, t.task_id, t.try_number";

const std::string kGetTry = std::string("SELECT ") + kTryColumns +
                            " FROM task_try WHERE run_id = $1 AND task_id = $2 AND try_number = $3";

const std::string kGetLatestTry = std::string("SELECT ") + kTryColumns +
                                  " FROM task_try WHERE run_id = $1 AND task_id = $2"
                                  " ORDER BY try_number DESC LIMIT 1";

const std::string kGetXCom = "SELECT value FROM xcom WHERE run_id = $1 AND task_id = $2 AND key = $3";

const std::string kListXComs =
    "SELECT x.run_id, x.task_id, x.key, x.value FROM xcom x LEFT JOIN task_instance i"
    " ON i.run_id = x.run_id AND i.task_id = x.task_id WHERE x.run_id = $1 ORDER BY i.seq, x.task_id, x.key";

// Newest first, as the SQLite store orders them; the key matches the
// dag_run_*newest indexes. Parameters are numbered as they are added, since
// PostgreSQL refuses a statement with a $n it cannot type.
std::string list_runs_sql(const RunFilter& f, PgConnection::Params& params) {
  constexpr const char* kKey = "coalesce(start_date, queued_at)";
  auto param = [&](Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::vector<std::string> where;
  if (f.dag_id) where.push_back("dag_id = " + param(*f.dag_id));
  if (f.state) where.push_back("state = " + param(state_param(*f.state)));
  // A row value, so a page starts exactly after the cursor's run even among
  // runs of the same time; as in SQLite, a comparison with NULL (a cursor
  // unknown, or a run neither queued nor started) selects nothing.
  if (f.after_run)
    where.push_back(std::string("(") + kKey + ", seq) < (SELECT " + kKey + ", seq FROM dag_run WHERE run_id = " +
                    param(*f.after_run) + ")");
  if (f.since) where.push_back(std::string(kKey) + " >= " + param(time_param(f.since)) + "::timestamptz");
  if (f.until) where.push_back(std::string(kKey) + " < " + param(time_param(f.until)) + "::timestamptz");
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM dag_run";
  for (size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  sql += std::string(" ORDER BY ") + kKey + " DESC NULLS LAST, seq DESC";
  if (f.limit > 0) sql += " LIMIT " + param(std::to_string(f.limit));
  return sql;
}

// SQLSTATEs after which the same transaction, run again, may well succeed.
bool retryable(const PgError& e) {
  return e.sqlstate() == "40001" || e.sqlstate() == "40P01";
}

// The error as the SQLite store words it: "<database>: <what>: <why>". One
// that already says what failed (a StoreError of ours naming the run) is
// kept as it is.
StoreError in_context(const StoreError& e, const std::string& where, const std::string& what) {
  const PgError* pg = dynamic_cast<const PgError*>(&e);
  if (!pg) return e;
  if (pg->message().starts_with("cannot ")) return StoreError(e.what());
  return StoreError(where + ": " + what + ": " + pg->message());
}

void apply_one(PgConnection& c, const std::string& where, const RunUpdate& u) {
  const PgRows r =
      c.run(kUpdateRun, {u.run_id, state_param(u.state), time_param(u.start_date), time_param(u.end_date),
                         u.reason ? "true" : "false", u.reason ? text_or_null(*u.reason) : std::nullopt});
  if (r.affected() == 0) throw StoreError(where + ": cannot record run '" + u.run_id + "': no such run");
}

void apply_one(PgConnection& c, const std::string&, const TaskInstanceRecord& t) { c.run(kUpsertTask, task_params(t)); }

void apply_one(PgConnection& c, const std::string&, const TryRecord& t) { c.run(kUpsertTry, try_params(t)); }

void apply_one(PgConnection& c, const std::string&, const XComRecord& x) { c.run(kUpsertXCom, xcom_params(x)); }

void apply_one(PgConnection& c, const std::string&, const CallbackRecord& r) { PgStore::insert_callback(c, r); }

}  // namespace

PgStore::PgStore(const std::string& url)
    : url_(url), where_("PostgreSQL at " + redact_db_url(url)), writer_(url), reader_(url) {
  pg_migrate(writer_, pg_schema_migrations(), where_);
}

void PgStore::read(const std::string& what, const std::function<void(PgConnection&)>& body) const {
  std::lock_guard lock(read_mu_);
  for (int attempt = 0;; ++attempt) {
    try {
      if (reader_.broken()) reader_.reset();
      body(reader_);
      return;
    } catch (const StoreError& e) {
      if (attempt == 0 && reader_.broken()) continue;  // a lost connection: once more on a new one
      throw in_context(e, where_, what);
    }
  }
}

void PgStore::write(const std::string& what, const std::function<void(PgConnection&)>& body) {
  std::lock_guard lock(write_mu_);
  constexpr int kAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    bool committing = false;
    try {
      if (writer_.broken()) writer_.reset();
      writer_.exec("BEGIN");
      body(writer_);
      committing = true;
      writer_.exec("COMMIT");
      return;
    } catch (const RunExistsError&) {
      writer_.exec("ROLLBACK");
      throw;
    } catch (const StoreError& e) {
      const PgError* pg = dynamic_cast<const PgError*>(&e);
      const bool lost = writer_.broken();
      if (!lost) {
        try {
          writer_.exec("ROLLBACK");
        } catch (const StoreError&) {
          // Nothing to roll back: the error ended the session's transaction.
        }
      }
      // A lost COMMIT may have been applied: running the body again could
      // do twice what was done once, so that is reported, not retried.
      const bool again = (pg && retryable(*pg)) || (lost && !committing);
      if (!again || attempt == kAttempts) throw in_context(e, where_, what);
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt));
    }
  }
}

void PgStore::create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks,
                         const DagVersionRecord* version) {
  write("cannot create run '" + run.run_id + "'", [&](PgConnection& c) {
    if (version) insert_dag_version(c, *version);
    if (c.run(kInsertRun, run_params(run)).affected() == 0)
      throw RunExistsError("run id '" + run.run_id + "' already exists");
    for (const auto& task : tasks) {
      auto params = task_params(task);
      params[0] = run.run_id;  // every task belongs to the run being created
      c.run(kUpsertTask, params);
    }
  });
}

void PgStore::apply(const std::vector<StoreChange>& changes) {
  if (changes.empty()) return;
  write("cannot record run history", [&](PgConnection& c) {
    for (const auto& change : changes) {
      try {
        std::visit([&](const auto& x) { apply_one(c, where_, x); }, change);
      } catch (const PgError& e) {
        if (retryable(e)) throw;
        throw PgError(where_, "cannot record " + describe_change(change) + ": " + e.message(), e.sqlstate());
      }
    }
  });
}

std::vector<RunRecord> PgStore::list_runs(const RunFilter& filter) const {
  std::vector<RunRecord> out;
  read("cannot list runs", [&](PgConnection& c) {
    PgConnection::Params params;
    const std::string sql = list_runs_sql(filter, params);
    const PgRows rows = c.exec(sql, params);
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_run(rows, i, where_));
  });
  return out;
}

std::optional<RunRecord> PgStore::get_run(const std::string& run_id) const {
  std::optional<RunRecord> out;
  read("cannot read run '" + run_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kGetRun, {run_id});
    out = rows.size() ? std::optional(read_run(rows, 0, where_)) : std::nullopt;
  });
  return out;
}

std::vector<TaskInstanceRecord> PgStore::list_task_instances(const std::string& run_id) const {
  std::vector<TaskInstanceRecord> out;
  read("cannot list tasks of run '" + run_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kListTasks, {run_id});
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_task(rows, i, where_));
  });
  return out;
}

std::vector<TryRecord> PgStore::list_tries(const std::string& run_id) const {
  std::vector<TryRecord> out;
  read("cannot list tries of run '" + run_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kListTries, {run_id});
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_try(rows, i, where_));
  });
  return out;
}

std::optional<TryRecord> PgStore::get_try(const std::string& run_id, const std::string& task_id,
                                          std::optional<int> try_number) const {
  std::optional<TryRecord> out;
  read("cannot read task '" + task_id + "' of run '" + run_id + "'", [&](PgConnection& c) {
    const PgRows rows = try_number ? c.run(kGetTry, {run_id, task_id, std::to_string(*try_number)})
                                   : c.run(kGetLatestTry, {run_id, task_id});
    out = rows.size() ? std::optional(read_try(rows, 0, where_)) : std::nullopt;
  });
  return out;
}

std::optional<std::string> PgStore::get_xcom(const std::string& run_id, const std::string& task_id,
                                             const std::string& key) const {
  std::optional<std::string> out;
  read("cannot read xcom '" + key + "' of task '" + task_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kGetXCom, {run_id, task_id, key});
    out = rows.size() ? rows.get(0, 0) : std::nullopt;
  });
  return out;
}

std::vector<XComRecord> PgStore::list_xcoms(const std::string& run_id) const {
  std::vector<XComRecord> out;
  read("cannot list xcoms of run '" + run_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kListXComs, {run_id});
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_xcom(rows, i));
  });
  return out;
}

std::unique_ptr<Store> open_postgres_store(const std::string& url) { return std::make_unique<PgStore>(url); }

}  // namespace dagrun
