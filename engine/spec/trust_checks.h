// The trust rules (policy/trust_policy) applied to a loaded DAG, each refusal
// reported at the place in the file where the refused setting is written.
#pragma once

#include <string_view>

#include "model/model.h"
#include "policy/trust_policy.h"
#include "spec/field_reader.h"

namespace dagrun {

// The loader's hook: every violation of every task, reported where the setting
// is written (the task, else default_args or the DAG's params). text is the
// DAG file's source, for positions of inherited settings.
void check_dag_trust(const Dag& dag, std::string_view text, const TrustRules& rules, Problems& problems);

}  // namespace dagrun
