// Shell completion for `dagrun`, written from the verb table (verbs.h), so a
// verb or flag added there is completed without another list to keep: the
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

// What a verb's usage says its positional arguments are, in order:
// "dags", "runs", "files", "" (nothing to offer) or a literal word.
std::vector<std::string> positional_kinds(std::string_view usage);

// The bash script: a function _dagrun registered with `complete -F`.
std::string bash_completion(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global);

}  // namespace dagrun::cli
