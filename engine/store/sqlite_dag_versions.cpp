// The versions of DAGs that runs run (store/history_store.h), in the SQLite
// store: one row per (dag_id, SHA-256 of the DAG file's text).
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

// Looked for first, so a DAG whose version is kept already (every run of a
// scheduled DAG but its first) costs a key lookup, not its whole text bound
// again. ON CONFLICT still settles two processes inserting it at once.
const std::string kHasVersion = "SELECT 1 FROM dag_version WHERE dag_id = ?1 AND version = ?2";
const std::string kInsertVersion =
    "INSERT INTO dag_version (dag_id, version, source, file, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (dag_id, version) DO NOTHING";
const std::string kGetVersion =
    "SELECT dag_id, version, source, file, created_at FROM dag_version WHERE dag_id = ?1 AND version = ?2";

}  // namespace

void SqliteStore::insert_dag_version(Connection& c, const DagVersionRecord& v) {
  auto has = c.statement(kHasVersion);
  has->reset();
  bind_text(*has, 1, v.dag_id);
  bind_text(*has, 2, v.version);
  const bool kept = has->executeStep();
  has->reset();
  if (kept) return;
  auto insert = c.statement(kInsertVersion);
  insert->reset();
  bind_text(*insert, 1, v.dag_id);
  bind_text(*insert, 2, v.version);
  bind_text(*insert, 3, v.source);
  bind_text(*insert, 4, v.file);
  bind_time(*insert, 5, v.created_at);
  insert->exec();
}

void SqliteStore::put_dag_version(const DagVersionRecord& version) {
  write("cannot record version " + version.version + " of DAG '" + version.dag_id + "'",
        [&](Connection& c) { insert_dag_version(c, version); });
}

std::optional<DagVersionRecord> SqliteStore::get_dag_version(const std::string& dag_id,
                                                             const std::string& version) const {
  std::optional<DagVersionRecord> out;
  read("cannot read version " + version + " of DAG '" + dag_id + "'", [&](Connection& c) {
    auto st = c.statement(kGetVersion);
    bind_text(*st, 1, dag_id);
    bind_text(*st, 2, version);
    out.reset();
    if (!st->executeStep()) return;
    DagVersionRecord v;
    v.dag_id = text(*st, 0);
    v.version = text(*st, 1);
    v.source = text(*st, 2);
    v.file = text(*st, 3);
    v.created_at = time(*st, 4, c.path()).value_or(TimePoint{});
    out = std::move(v);
  });
  return out;
}

}  // namespace dagrun
