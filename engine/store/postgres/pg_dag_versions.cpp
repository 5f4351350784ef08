// The versions of DAGs that runs run (store/history_store.h), in the
// PostgreSQL store: one row per (dag_id, SHA-256 of the DAG file's text).
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

// Looked for first, so a version kept already (every run of a scheduled DAG
// but its first) does not send the whole text to the server again. ON
// CONFLICT still settles two schedulers inserting it at once.
const std::string kHasVersion = "SELECT 1 FROM dag_version WHERE dag_id = $1 AND version = $2";
const std::string kInsertVersion =
    "INSERT INTO dag_version (dag_id, version, source, file, created_at) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (dag_id, version) DO NOTHING";
const std::string kGetVersion = "SELECT dag_id, version, source, file, " DAGRUN_PG_MS(
    "created_at") " FROM dag_version WHERE dag_id = $1 AND version = $2";

}  // namespace

void PgStore::insert_dag_version(PgConnection& c, const DagVersionRecord& v) {
  if (c.run(kHasVersion, {v.dag_id, v.version}).size() > 0) return;
  c.run(kInsertVersion, {v.dag_id, v.version, v.source, v.file, time_param(v.created_at)});
}

void PgStore::put_dag_version(const DagVersionRecord& version) {
  write("cannot record version " + version.version + " of DAG '" + version.dag_id + "'",
        [&](PgConnection& c) { insert_dag_version(c, version); });
}

std::optional<DagVersionRecord> PgStore::get_dag_version(const std::string& dag_id, const std::string& version) const {
  std::optional<DagVersionRecord> out;
  read("cannot read version " + version + " of DAG '" + dag_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kGetVersion, {dag_id, version});
    out.reset();
    if (rows.size() == 0) return;
    out = DagVersionRecord{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), text_or_empty(rows, 0, 3),
                           time_column(rows, 0, 4).value_or(TimePoint{})};
  });
  return out;
}

}  // namespace dagrun
