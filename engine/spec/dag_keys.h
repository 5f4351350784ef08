// The keys of a DAG file's top level: one table (dag_keys.cpp) of their names,
// value shapes, descriptions and defaults, which the loader reads the file by
// and the JSON Schema (spec/dag_schema.h) is written from.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "spec/value_shape.h"

namespace dagrun {

enum class DagKey {
  schema,  // "$schema": the JSON Schema an editor checks the file against
  dag_id,
  description,
  schedule,
  start_date,
  end_date,
  catchup,
  max_active_tasks,
  max_active_runs,
  tags,
  params,
  default_args,
  tasks,
  timezone,
  on_failure,
  on_retry,
  on_success,
  on_deadline,
  deadline,
};
constexpr size_t kDagKeyCount = 19;

std::optional<DagKey> parse_dag_key(std::string_view name);
std::string_view dag_key_name(DagKey key);
const KeyDoc& dag_key_doc(DagKey key);
// dag_id and tasks.
bool is_required_dag_key(DagKey key);
// A key the loader refuses at the top level however it is written (on_retry:
// a run is not retried); the schema leaves it out.
bool is_refused_dag_key(DagKey key);

// Every name, in the table's order, for suggestions.
std::span<const std::string_view> dag_key_names();

}  // namespace dagrun
