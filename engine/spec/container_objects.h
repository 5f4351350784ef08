// The objects nested in a container object: its mounts and its TLS settings.
// Each problem is reported at its own place below the container object.
#pragma once

#include "model/container_spec.h"
#include "spec/field_reader.h"
#include "spec/nested_fields.h"

namespace dagrun {

// Reads the mounts list into spec.mounts. The policy points at mounts by index,
// so a list with any wrong mount is left out whole.
void read_mounts(const Json& value, FieldPlace& out, ContainerSpec& spec);

// Reads the tls object into spec.tls.
void read_tls(const Json& value, FieldPlace& out, ContainerSpec& spec);

}  // namespace dagrun
