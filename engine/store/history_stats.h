// Counts over the whole history, for monitoring (`dagrun serve`'s /metrics):
// runs and tries by DAG and state, and histograms of how long tries take and
// how late scheduled runs start. Computed by the database in one pass each,
// so a scrape does not read the history row by row into memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dagrun {

struct StateCount {
  std::string dag_id;
  std::string state;
  std::int64_t count = 0;
};

// A Prometheus-style histogram of one DAG: cumulative counts, one per bound
// of its Bounds (the last bound is +Inf).
struct Histogram {
  std::string dag_id;
  std::vector<std::int64_t> cumulative;
  double sum = 0;
  std::int64_t count = 0;
};

struct HistoryCounts {
  std::vector<StateCount> runs;
  std::vector<StateCount> tries;
  std::vector<Histogram> try_seconds;          // finished tries: end - start
  std::vector<Histogram> lateness_seconds;     // started scheduled runs: start - data interval end
};

// The bounds of both histograms, in seconds, ending with infinity.
const std::vector<double>& try_seconds_bounds();
const std::vector<double>& lateness_seconds_bounds();

class HistoryStats {
 public:
  virtual ~HistoryStats() = default;
  virtual HistoryCounts counts() const = 0;
};

}  // namespace dagrun
