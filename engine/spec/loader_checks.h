// Checks and rules that span a whole DAG once its tasks are read: the DAG's
// params handed to every task, templates in task strings, the time zone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/field_reader.h"
#include "model/model.h"
#include "model/pools.h"

namespace dagrun {

// As in Airflow, the DAG's params are every task's params; a task's own win key by key.
void inherit_dag_params(Dag& dag);

// Every templated string of every task; id_valid says which task ids may name a task.
void check_templates(const Dag& dag, const std::vector<char>& id_valid, Problems& problems);

// Each task's pool_slots against its pool's slots: a try that takes more
// than the pool has could never start. (A pool of 0 slots is closed, not too
// small: its tries wait until it is opened.)
void check_pool_slots(const Dag& dag, const std::vector<PoolSpec>& pools, const std::vector<char>& id_valid,
                      Problems& problems);

// An IANA time zone name that the system's database knows, else a problem
// (with a close name suggested).
std::optional<TimeZone> read_timezone(const Json& v, const Scope& scope, std::string_view key, Problems& problems);

}  // namespace dagrun
