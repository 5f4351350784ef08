// The monitoring side of the SQLite store (store/history_stats.h): counts and
// histograms computed by SQLite with GROUP BY, one statement each.
#include <limits>

#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const std::string kRunCounts = "SELECT dag_id, state, count(*) FROM dag_run GROUP BY dag_id, state ORDER BY 1, 2";

const std::string kTryCounts =
    "SELECT r.dag_id, t.state, count(*) FROM task_try t JOIN dag_run r ON r.run_id = t.run_id"
    " GROUP BY r.dag_id, t.state ORDER BY 1, 2";

// Seconds between two stored ISO 8601 times. julianday() is a double near
// 2.46 million days, exact only to some tens of microseconds; the times are
// stored to the millisecond, so rounding to it gives the exact difference.
std::string seconds(const std::string& from, const std::string& to) {
  return "round((julianday(" + to + ") - julianday(" + from + ")) * 86400.0, 3)";
}

// SELECT dag_id, one cumulative count per finite bound, sum, count.
std::string histogram_sql(const std::vector<double>& bounds, const std::string& value, const std::string& from_where) {
  std::string sql = "SELECT dag_id";
  for (double b : bounds)
    if (b != kInf) sql += ", sum(v <= " + std::to_string(b) + ")";
  return sql + ", sum(v), count(*) FROM (SELECT dag_id, max(" + value + ", 0.0) AS v " + from_where +
         ") GROUP BY dag_id ORDER BY dag_id";
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

void read_counts(Connection& c, const std::string& sql, std::vector<StateCount>& out) {
  auto st = c.statement(sql);
  while (st->executeStep())
    out.push_back({st->getColumn(0).getString(), st->getColumn(1).getString(), st->getColumn(2).getInt64()});
}

void read_histograms(Connection& c, const std::string& sql, size_t bounds, std::vector<Histogram>& out) {
  auto st = c.statement(sql);
  while (st->executeStep()) {
    Histogram h;
    h.dag_id = st->getColumn(0).getString();
    const int finite = static_cast<int>(bounds) - 1;
    for (int i = 0; i < finite; ++i) h.cumulative.push_back(st->getColumn(1 + i).getInt64());
    h.sum = st->getColumn(1 + finite).getDouble();
    h.count = st->getColumn(2 + finite).getInt64();
    h.cumulative.push_back(h.count);  // +Inf
    out.push_back(std::move(h));
  }
}

}  // namespace

const std::vector<double>& try_seconds_bounds() {
  static const std::vector<double> b{0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, kInf};
  return b;
}

const std::vector<double>& lateness_seconds_bounds() {
  static const std::vector<double> b{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, kInf};
  return b;
}

HistoryCounts SqliteStore::counts() const {
  HistoryCounts out;
  read("cannot count the history", [&](Connection& c) {
    out = {};
    read_counts(c, kRunCounts, out.runs);
    read_counts(c, kTryCounts, out.tries);
    read_histograms(c, try_seconds_sql(), try_seconds_bounds().size(), out.try_seconds);
    read_histograms(c, lateness_sql(), lateness_seconds_bounds().size(), out.lateness_seconds);
  });
  return out;
}

}  // namespace dagrun
