// The monitoring side of the PostgreSQL store (store/history_stats.h): counts
// and histograms computed by the server with GROUP BY, one statement each,
// with the bounds the SQLite store uses.
#include <limits>

#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const std::string kRunCounts = "SELECT dag_id, state, count(*) FROM dag_run GROUP BY dag_id, state ORDER BY 1, 2";

const std::string kTryCounts =
    "SELECT r.dag_id, t.state, count(*) FROM task_try t JOIN dag_run r ON r.run_id = t.run_id"
    " GROUP BY r.dag_id, t.state ORDER BY 1, 2";

std::string seconds(const std::string& from, const std::string& to) {
  return "extract(epoch FROM (" + to + " - " + from + "))::float8";
}

// SELECT dag_id, one cumulative count per finite bound, sum, count.
std::string histogram_sql(const std::vector<double>& bounds, const std::string& value, const std::string& from_where) {
  std::string sql = "SELECT dag_id";
  for (double b : bounds)
    if (b != kInf) sql += ", count(*) FILTER (WHERE v <= " + std::to_string(b) + ")";
  return sql + ", sum(v), count(*) FROM (SELECT dag_id, greatest(" + value + ", 0.0) AS v " + from_where +
         ") AS d GROUP BY dag_id ORDER BY dag_id";
}

const std::string& try_seconds_sql() {
  static const std::string sql =
      histogram_sql(try_seconds_bounds(), seconds("t.start_date", "t.end_date"),
                    "FROM task_try t JOIN dag_run r ON r.run_id = t.run_id"
                    " WHERE t.start_date IS NOT NULL AND t.end_date IS NOT NULL");
  return sql;
}

const std::string& lateness_sql() {
  static const std::string sql = histogram_sql(
      lateness_seconds_bounds(), seconds("data_interval_end", "start_date"),
      "FROM dag_run WHERE run_type = 'scheduled' AND start_date IS NOT NULL AND data_interval_end IS NOT NULL");
  return sql;
}

void read_counts(PgConnection& c, const std::string& sql, std::vector<StateCount>& out) {
  const PgRows rows = c.run(sql);
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), rows.text(i, 1), std::stoll(rows.text(i, 2))});
}

void read_histograms(PgConnection& c, const std::string& sql, size_t bounds, std::vector<Histogram>& out) {
  const PgRows rows = c.run(sql);
  const int finite = static_cast<int>(bounds) - 1;
  for (int i = 0; i < rows.size(); ++i) {
    Histogram h;
    h.dag_id = rows.text(i, 0);
    for (int b = 0; b < finite; ++b) h.cumulative.push_back(std::stoll(rows.text(i, 1 + b)));
    h.sum = std::stod(rows.text(i, 1 + finite));
    h.count = std::stoll(rows.text(i, 2 + finite));
    h.cumulative.push_back(h.count);  // +Inf
    out.push_back(std::move(h));
  }
}

}  // namespace

HistoryCounts PgStore::counts() const {
  HistoryCounts out;
  // One snapshot for all four, as SQLite's read transaction gives.
  read("cannot count the history", [&](PgConnection& c) {
    out = {};
    c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      read_counts(c, kRunCounts, out.runs);
      read_counts(c, kTryCounts, out.tries);
      read_histograms(c, try_seconds_sql(), try_seconds_bounds().size(), out.try_seconds);
      read_histograms(c, lateness_sql(), lateness_seconds_bounds().size(), out.lateness_seconds);
      c.exec("COMMIT");
    } catch (...) {
      if (!c.broken()) c.exec("ROLLBACK");
      throw;
    }
  });
  return out;
}

}  // namespace dagrun
