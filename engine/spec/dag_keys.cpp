#include "spec/dag_keys.h"

#include <array>

#include "model/limits.h"

namespace dagrun {
namespace {

struct Row {
  DagKey key;
  std::string_view name;
  KeyDoc doc;
};

// The descriptions are what an editor shows over a key (spec/dag_schema.h).
constexpr std::array<Row, kDagKeyCount> kRows{{
    {DagKey::schema, "$schema",
     {Shape::text, "The JSON Schema an editor checks this file against (`dagrun schema` prints it); "
                   "the loader ignores its value."}},
    {DagKey::dag_id, "dag_id",
     {Shape::id, "The DAG's id, unique in the home: letters, digits, '_', '-' and '.', at most 250 bytes."}},
    {DagKey::description, "description", {Shape::text, "What the DAG does, shown by `dagrun list` and the web UI."}},
    {DagKey::schedule, "schedule",
     {Shape::schedule, "When the scheduler starts runs: a cron expression (\"*/10 * * * *\"), a preset "
                       "(\"@daily\", \"@hourly\", ...) or null to run only when triggered.",
      "null"}},
    {DagKey::start_date, "start_date",
     {Shape::date_or_null, "The first logical date the scheduler starts a run for: an ISO 8601 date "
                           "(\"2025-10-19\" or \"2025-10-19T06:00:00Z\").",
      "null"}},
    {DagKey::end_date, "end_date",
     {Shape::date_or_null, "The last logical date the scheduler starts a run for; null for none.", "null"}},
    {DagKey::catchup, "catchup",
     {Shape::boolean, "Whether the scheduler starts runs for the intervals it missed since start_date.", "false"}},
    {DagKey::max_active_tasks, "max_active_tasks",
     {Shape::integer, "How many tries of one run may run at once; the number of cores when left out.", "",
      1, limits::kMaxActive}},
    {DagKey::max_active_runs, "max_active_runs",
     {Shape::integer, "How many runs of the DAG may be active at once.", "16", 1, limits::kMaxActive}},
    {DagKey::tags, "tags", {Shape::text_list, "Labels for listing and filtering DAGs.", "[]"}},
    {DagKey::params, "params",
     {Shape::any, "Values for templates ({{ params.KEY }}) in every task; a run's --conf and a task's "
                  "params go over them."}},
    {DagKey::default_args, "default_args",
     {Shape::default_args, "Settings for every task that has them and does not give its own (as Airflow's "
                           "default_args): a setting is given only to the tasks it has an effect on."}},
    {DagKey::tasks, "tasks", {Shape::tasks, "The DAG's tasks, in any order; upstream says which come first."}},
    {DagKey::timezone, "timezone",
     {Shape::timezone, "The IANA time zone the schedule is read in (\"Asia/Seoul\").", "\"UTC\""}},
    {DagKey::on_failure, "on_failure",
     {Shape::callbacks, "What to run when a run fails: a callback or a list of them.", "null"}},
    {DagKey::on_retry, "on_retry", {Shape::callbacks, "A task's key: a run is not retried."}},
    {DagKey::on_success, "on_success",
     {Shape::callbacks, "What to run when a run succeeds: a callback or a list of them.", "null"}},
    {DagKey::on_deadline, "on_deadline",
     {Shape::callbacks, "What to run when a run is still going at its deadline.", "null"}},
    {DagKey::deadline, "deadline",
     {Shape::deadline, "When a run is late: {\"after\": DURATION, \"from\": \"data_interval_end\" | "
                       "\"logical_date\" | \"queued_at\"}; it sets off on_deadline.",
      "null"}},
}};

constexpr std::array<std::string_view, kDagKeyCount> names() {
  std::array<std::string_view, kDagKeyCount> out{};
  for (size_t i = 0; i < kDagKeyCount; ++i) out[i] = kRows[i].name;
  return out;
}
constexpr std::array<std::string_view, kDagKeyCount> kNames = names();

constexpr bool table_is_whole() {
  for (size_t i = 0; i < kDagKeyCount; ++i)
    if (static_cast<size_t>(kRows[i].key) != i || kRows[i].name.empty() || kRows[i].doc.description.empty())
      return false;
  return true;
}
static_assert(table_is_whole(), "every DAG key needs a row, in the enum's order, with a description");

}  // namespace

std::optional<DagKey> parse_dag_key(std::string_view name) {
  for (const Row& row : kRows)
    if (row.name == name) return row.key;
  return std::nullopt;
}

std::string_view dag_key_name(DagKey key) { return kRows[static_cast<size_t>(key)].name; }
const KeyDoc& dag_key_doc(DagKey key) { return kRows[static_cast<size_t>(key)].doc; }
bool is_required_dag_key(DagKey key) { return key == DagKey::dag_id || key == DagKey::tasks; }
bool is_refused_dag_key(DagKey key) { return key == DagKey::on_retry; }
std::span<const std::string_view> dag_key_names() { return kNames; }

}  // namespace dagrun
