// /metrics in Prometheus' text format (version 0.0.4): the history's counts
// and histograms by DAG, and the server's own gauges.
#pragma once

#include <cstddef>
#include <string>

#include "store/history_stats.h"

namespace dagrun::web {

struct ServerGauges {
  std::size_t event_subscribers = 0;
};

std::string prometheus_text(const HistoryCounts& counts, const ServerGauges& server);

}  // namespace dagrun::web
