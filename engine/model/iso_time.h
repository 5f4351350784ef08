// UTC timestamps as ISO 8601 text, the one format of history, CLI and DAG files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/model.h"

namespace dagrun {

// "2026-11-29T02:07:39.123Z": millisecond precision, always UTC, sorts as text.
std::string format_iso8601(TimePoint t);

// Accepts "2025-10-19", "2025-10-19T00:00", "2025-10-19T00:00:00",
// "2025-10-19 00:00:00.5", each optionally followed by "Z" or "+09:00"/"-0500".
// No suffix means UTC. Returns nullopt for anything else, including
// impossible dates such as 2025-02-30.
std::optional<TimePoint> parse_iso8601(std::string_view text);

}  // namespace dagrun
