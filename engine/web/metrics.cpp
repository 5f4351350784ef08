#include "web/metrics.h"

#include <cmath>
#include <cstdio>

namespace dagrun::web {
namespace {

// A label value: backslash, double quote and newline escaped (the format's
// only escapes), so a stored id cannot break the exposition.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return "+Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void counts(std::string& out, const char* name, const char* help, const std::vector<StateCount>& rows) {
  header(out, name, "gauge", help);
  for (const StateCount& r : rows)
    out += std::string(name) + "{dag_id=\"" + label(r.dag_id) + "\",state=\"" + label(r.state) + "\"} " +
           std::to_string(r.count) + "\n";
}

void histograms(std::string& out, const char* name, const char* help, const std::vector<Histogram>& rows,
                const std::vector<double>& bounds) {
  header(out, name, "histogram", help);
  for (const Histogram& h : rows) {
    const std::string dag = "dag_id=\"" + label(h.dag_id) + "\"";
    for (size_t i = 0; i < bounds.size() && i < h.cumulative.size(); ++i)
      out += std::string(name) + "_bucket{" + dag + ",le=\"" + number(bounds[i]) + "\"} " +
             std::to_string(h.cumulative[i]) + "\n";
    out += std::string(name) + "_sum{" + dag + "} " + number(h.sum) + "\n";
    out += std::string(name) + "_count{" + dag + "} " + std::to_string(h.count) + "\n";
  }
}

}  // namespace

std::string prometheus_text(const HistoryCounts& c, const ServerGauges& server) {
  std::string out;
  counts(out, "dagrun_runs", "Runs in the history, by DAG and state.", c.runs);
  std::int64_t queued = 0;
  for (const StateCount& r : c.runs)
    if (r.state == "queued") queued += r.count;
  header(out, "dagrun_queued_runs", "gauge", "Runs waiting for a scheduler to start them.");
  out += "dagrun_queued_runs " + std::to_string(queued) + "\n";
  counts(out, "dagrun_task_tries", "Task tries in the history, by DAG and state.", c.tries);
  histograms(out, "dagrun_try_duration_seconds", "How long finished task tries took.", c.try_seconds,
             try_seconds_bounds());
  histograms(out, "dagrun_scheduling_lateness_seconds",
             "How long after its data interval ended each scheduled run started.", c.lateness_seconds,
             lateness_seconds_bounds());
  header(out, "dagrun_event_subscribers", "gauge", "Clients following /api/v1/events.");
  out += "dagrun_event_subscribers " + std::to_string(server.event_subscribers) + "\n";
  return out;
}

}  // namespace dagrun::web
