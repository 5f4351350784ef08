// The version of a loaded DAG as a run records it (store/history_store.h).
#pragma once

#include <optional>

#include "store/records.h"

namespace dagrun {

// The version of a Dag loaded from a file: its text and the text's SHA-256
// (hashed the first time a run of that load asks, model/dag_source.h).
// nullopt for a Dag built in code, whose runs record no version.
std::optional<DagVersionRecord> dag_version_of(const Dag& dag, TimePoint now);

}  // namespace dagrun
