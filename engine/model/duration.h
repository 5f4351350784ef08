// Durations as DAG files and the command line write them: "500ms", "30s", "1h30m", "7d",
// or a plain number of seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/model.h"

namespace dagrun {

// One or more <integer><unit> parts, units ms, s, m, h, d ("1h30m", "500ms").
// On failure returns nullopt and, when error is given, says why
// ("unknown unit 'x' (expected ms, s, m, h or d)").
std::optional<Duration> parse_duration(std::string_view text, std::string* error = nullptr);

// A non-negative number of seconds, fractions kept to the millisecond (rounded).
std::optional<Duration> duration_from_seconds(double seconds, std::string* error = nullptr);

// The shortest text parse_duration reads back as d: "1h30m", "500ms", "0s".
// Negative durations have no such text; they are formatted as zero.
std::string format_duration(Duration d);

}  // namespace dagrun
