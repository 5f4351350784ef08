// on_failure, on_retry and on_success as a task, default_args or the DAG
// writes them (docs/callbacks.md): one action object, or a list of them.
#pragma once

#include <memory>
#include <string_view>

#include "spec/field_reader.h"
#include "spec/loader.h"
#include "model/callbacks.h"

namespace dagrun {

// Reads the value of `key` in `owner` (a task, default_args or the DAG). Each
// action is {"command": [...]} | {"plugin": NAME} | {"webhook": URL}, with
// "timeout" (at most limits::kMaxCallbackTimeout), and "env" for a command or
// plugin and "params" for a plugin. null declares none (and overrides what
// default_args gives). Returns null when v is null or wrong; ok says which.
std::shared_ptr<const CallbackList> read_callback_list(const Json& v, const Scope& owner, std::string_view key,
                                                       const LoadOptions& options, Problems& problems, bool& ok);

}  // namespace dagrun
