// The JSON Schema of a task's `container` object, written from the loader's
// key table (container_fields.h) and the built-in container policy
// (policy/container_policy.h), so an editor refuses what `dagrun validate`
// refuses wherever a schema can tell, and never more.
#pragma once

#include <nlohmann/json.hpp>

namespace dagrun {

// The JSON Schema (draft 2020-12) of a task's `container` object: a fragment
// with no "$schema" or "$id", and no "$ref", so it can be placed anywhere in
// a larger schema. Throws std::logic_error when a key the loader reads has no
// entry here (or an entry names a key it does not read).
nlohmann::ordered_json container_object_schema();

}  // namespace dagrun
