// The SQLite store's backfills (store/backfill_store.h). A backfill's runs
// are started by the scheduler's claim (sqlite_scheduling.cpp), which reads
// its pause and cancel in the claim's own transaction.
#include "model/iso_time.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

constexpr const char* kColumns =
    "id, dag_id, from_date, to_date, reprocess, backwards, max_active_runs, is_paused, created_at, cancelled_at,"
    " cancel_reason";

const std::string kInsert =
    "INSERT INTO backfill (dag_id, from_date, to_date, reprocess, backwards, max_active_runs, is_paused, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) RETURNING id";
const std::string kJoin = "UPDATE dag_run SET backfill_id = ?2 WHERE run_id = ?1 AND state = 'queued'";
const std::string kGet = std::string("SELECT ") + kColumns + " FROM backfill WHERE id = ?1";
const std::string kList = std::string("SELECT ") + kColumns + " FROM backfill ORDER BY id DESC";
const std::string kListOfDag = std::string("SELECT ") + kColumns + " FROM backfill WHERE dag_id = ?1 ORDER BY id DESC";
const std::string kCounts = "SELECT state, count(*) FROM dag_run WHERE backfill_id = ?1 GROUP BY state";
const std::string kPause = "UPDATE backfill SET is_paused = ?2 WHERE id = ?1 AND cancelled_at IS NULL";
const std::string kCancel =
    "UPDATE backfill SET cancelled_at = ?2, cancel_reason = ?3, is_paused = 0 WHERE id = ?1 AND cancelled_at IS NULL";
const std::string kActiveRuns =
    "SELECT run_id FROM dag_run WHERE backfill_id = ?1 AND state IN ('queued', 'running') ORDER BY queued_at, rowid";

BackfillRecord read_backfill(const SQLite::Statement& st, const std::string& file) {
  BackfillRecord b;
  b.id = st.getColumn(0).getInt64();
  b.dag_id = text(st, 1);
  b.from = time(st, 2, file).value_or(TimePoint{});
  b.to = time(st, 3, file).value_or(TimePoint{});
  b.reprocess = text(st, 4);
  b.backwards = st.getColumn(5).getInt() != 0;
  b.max_active_runs = st.getColumn(6).getInt();
  b.is_paused = st.getColumn(7).getInt() != 0;
  b.created_at = time(st, 8, file).value_or(TimePoint{});
  b.cancelled_at = time(st, 9, file);
  b.cancel_reason = text(st, 10);
  return b;
}

}  // namespace

std::int64_t SqliteStore::create_backfill(const BackfillRecord& b) {
  std::int64_t id = 0;
  write("cannot record a backfill of '" + b.dag_id + "'", [&](Connection& c) {
    auto st = c.statement(kInsert);
    bind_text(*st, 1, b.dag_id);
    bind_time(*st, 2, b.from);
    bind_time(*st, 3, b.to);
    bind_text(*st, 4, b.reprocess);
    st->bind(5, b.backwards ? 1 : 0);
    st->bind(6, b.max_active_runs);
    bind_time(*st, 7, b.created_at);
    id = st->executeStep() ? st->getColumn(0).getInt64() : 0;
  });
  return id;
}

bool SqliteStore::join_backfill(const std::string& run_id, std::int64_t id) {
  bool joined = false;
  write("cannot add run '" + run_id + "' to backfill " + std::to_string(id), [&](Connection& c) {
    auto st = c.statement(kJoin);
    bind_text(*st, 1, run_id);
    st->bind(2, static_cast<std::int64_t>(id));
    joined = st->exec() > 0;
  });
  return joined;
}

std::optional<BackfillRecord> SqliteStore::get_backfill(std::int64_t id) const {
  std::optional<BackfillRecord> out;
  read("cannot read backfill " + std::to_string(id), [&](Connection& c) {
    auto st = c.statement(kGet);
    st->bind(1, static_cast<std::int64_t>(id));
    out = st->executeStep() ? std::optional(read_backfill(*st, c.path())) : std::nullopt;
  });
  return out;
}

std::vector<BackfillRecord> SqliteStore::list_backfills(const std::optional<std::string>& dag_id) const {
  std::vector<BackfillRecord> out;
  read("cannot list backfills", [&](Connection& c) {
    out.clear();
    auto st = c.statement(dag_id ? kListOfDag : kList);
    if (dag_id) bind_text(*st, 1, *dag_id);
    while (st->executeStep()) out.push_back(read_backfill(*st, c.path()));
  });
  return out;
}

BackfillRunCounts SqliteStore::backfill_run_counts(std::int64_t id) const {
  BackfillRunCounts n;
  read("cannot count the runs of backfill " + std::to_string(id), [&](Connection& c) {
    n = {};
    auto st = c.statement(kCounts);
    st->bind(1, static_cast<std::int64_t>(id));
    while (st->executeStep()) {
      const std::string state = text(*st, 0);
      const int count = st->getColumn(1).getInt();
      if (state == "queued") n.queued = count;
      else if (state == "running") n.running = count;
      else if (state == "success") n.success = count;
      else if (state == "failed") n.failed = count;
    }
  });
  return n;
}

bool SqliteStore::set_backfill_paused(std::int64_t id, bool paused) {
  bool changed = false;
  write("cannot pause backfill " + std::to_string(id), [&](Connection& c) {
    auto st = c.statement(kPause);
    st->bind(1, static_cast<std::int64_t>(id));
    st->bind(2, paused ? 1 : 0);
    changed = st->exec() > 0;
  });
  return changed;
}

BackfillCancel SqliteStore::cancel_backfill(std::int64_t id, const std::string& reason, TimePoint now) {
  BackfillCancel out;
  write("cannot cancel backfill " + std::to_string(id), [&](Connection& c) {
    out = {};
    {
      auto get = c.statement(kGet);
      get->bind(1, static_cast<std::int64_t>(id));
      if (!get->executeStep()) return;
      out.found = true;
      out.already = !get->getColumn(9).isNull();
    }
    if (out.already) return;
    {
      auto st = c.statement(kCancel);
      st->bind(1, static_cast<std::int64_t>(id));
      bind_time(*st, 2, now);
      bind_text(*st, 3, reason);
      st->exec();
    }
    std::vector<std::string> active;
    {
      auto st = c.statement(kActiveRuns);
      st->bind(1, static_cast<std::int64_t>(id));
      while (st->executeStep()) active.push_back(text(*st, 0));
    }
    for (const std::string& run_id : active) {
      const CancelResult r = cancel_in(c, run_id, reason, now);
      if (r == CancelResult::cancelled) out.failed.push_back(run_id);
      else if (r == CancelResult::requested) out.requested.push_back(run_id);
    }
  });
  return out;
}

}  // namespace dagrun
