// --conf JSON, as `dagrun trigger` and `dagrun test` take it: a JSON object,
// the run's conf ({{ conf.KEY }}). "{}" when the flag is absent.
#pragma once

#include <string>

#include "cli/args.h"

namespace dagrun::cli {

// The object as compact JSON; throws UsageError for anything else.
std::string conf_flag(const ParsedArgs& args);

}  // namespace dagrun::cli
