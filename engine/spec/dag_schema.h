// The JSON Schema (draft 2020-12) of a DAG file, written from the key tables
// the loader reads files by (dag_keys.h, task_keys.h, container_fields.h), so
// an editor's completion, hover text and squiggles match what `dagrun
// validate` says. `dagrun schema` prints it; the build installs it as
// share/dagrun/dag.schema.json; docs/dag-format.md says what it cannot check.
#pragma once

#include <nlohmann/json.hpp>

namespace dagrun {

nlohmann::ordered_json dag_schema();

}  // namespace dagrun
