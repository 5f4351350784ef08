// Whole-number flags (--limit N, --max-active-tasks N, ...), parsed and
// bounded in one place: a flag is hostile input like any other.
#pragma once

#include <optional>
#include <string>

#include "cli/args.h"

namespace dagrun::cli {

// The flag's value from min to max, `fallback` when it is absent; a
// UsageError naming the flag and the range otherwise.
int number_flag(const ParsedArgs& args, const std::string& flag, int min, int max, int fallback);

}  // namespace dagrun::cli
