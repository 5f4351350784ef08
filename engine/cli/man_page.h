// Manual pages for `dagrun` and each of its verbs, written in roff from the
// verb table (verbs.h), so `man dagrun-trigger` says what `dagrun trigger
// --help` says. The build writes them with `dagrun man --dir DIR`.
#pragma once

#include <string>
#include <string_view>

#include "cli/verbs.h"

namespace dagrun::cli {

// Text made safe for roff: backslashes, a leading '.' or '\'', and '-' as \-.
std::string roff_escape(std::string_view text);

// dagrun.1: the synopsis, every verb with its summary, the global options.
std::string program_man_page(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global,
                             std::string_view version);

// dagrun-VERB.1: its usage, summary and options.
std::string verb_man_page(const Verb& verb, std::string_view version);

}  // namespace dagrun::cli
