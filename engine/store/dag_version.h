// The version of a loaded DAG as a run records it (store/history_store.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/records.h"

namespace dagrun {

// What the history keeps of a container's `environment` values: they are
// secrets (the container executor masks them in every output), and the
// history keeps no secret. A worker refuses a try whose DAG text has one.
inline constexpr std::string_view kRedactedEnvValue = "<not kept in the history: use env_file>";

// The text the history keeps of a DAG file: the file as it is, unless a
// container names `environment` values, which are replaced by
// kRedactedEnvValue (the text is then re-printed from its JSON).
std::string history_text_of(const std::string& text);

// The version of a Dag loaded from a file: the SHA-256 of its exact text
// (hashed the first time a run of that load asks, model/dag_source.h) and
// its history_text_of.
// nullopt for a Dag built in code, whose runs record no version.
std::optional<DagVersionRecord> dag_version_of(const Dag& dag, TimePoint now);

}  // namespace dagrun
