// Shell completion for `dagrun` (bash, and zsh natively), written from the
// verb table (verbs.h), so a verb or flag added there is completed without
// another list to keep: the
// verbs, each verb's flags and the global ones, files and directories for
// flags whose value is one, and each verb's positional arguments by their
// name in its usage (DAG_ID, RUN_ID: asked of `dagrun completion --ids` in
// the home the command line names; FILE; a literal word such as `clean`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/verbs.h"

namespace dagrun::cli {

// The names of a verb's positional arguments in its usage, in order, without
// brackets or "...": "DAG_ID", "FILE", "clean".
std::vector<std::string> positional_names(std::string_view usage);

// What a verb's usage says its positional arguments are, in order:
// "dags", "runs", "files", "" (nothing to offer) or literal words ("bash|zsh"
// gives "bash zsh").
std::vector<std::string> positional_kinds(std::string_view usage);

// Whether the last positional argument repeats ("[FILE...]").
bool last_positional_repeats(std::string_view usage);

// Which completion a flag's value gets, from its metavar: "dirs", "files" or
// "" (a number, a duration, an id typed by hand).
const char* value_kind(const std::string& metavar);

// The global flags that choose the home, as a shell case pattern with SUFFIX
// after each ("--home|--dags|..."): the completion passes them on to `dagrun
// completion --ids` so it lists the ids of the home being typed.
std::string home_flags_pattern(std::string_view suffix);

// The bash script: a function _dagrun registered with `complete -F`.
std::string bash_completion(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global);

// The zsh script (zsh_completion.cpp): `#compdef dagrun`, a function _dagrun
// on _arguments and _describe, for $fpath or for `source`.
std::string zsh_completion(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global);

}  // namespace dagrun::cli
