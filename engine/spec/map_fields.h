// A task's `expand` key: the list a mapped task runs one instance per item
// of (docs/dag-format.md, "Mapped tasks").
#pragma once

#include <memory>
#include <string>

#include "model/model.h"
#include "spec/field_reader.h"

namespace dagrun {

// `expand` is either the list itself, [..] (at most limits::kMaxMapLength
// items), or {"xcom": TASK_ID, "key": KEY} for the list an upstream task
// pushes (key "return_value" unless given). For the second, *xcom_task is
// set to the id as written: the loader resolves it once every task is known
// (it must be one of the task's upstream tasks). Null, with the problem
// reported, when the value is wrong.
std::shared_ptr<MapSource> read_expand(const Json& v, const Scope& s, std::string* xcom_task, Problems& p);

}  // namespace dagrun
