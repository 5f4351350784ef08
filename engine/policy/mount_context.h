// What a DAG brings to the container policy: the places its bind mounts may
// come from. Computed by one function from the DAG's id and params, so the
// loader (when the DAG is validated) and the container executor (just before a
// try starts) judge a task against the same roots.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "model/json_value.h"

namespace dagrun {

struct DagMountContext {
  std::filesystem::path home;  // relative paths resolve against it; empty: the current directory
  std::string dag_id;          // empty when not known: no data-directory root
  std::string data_dir;        // params.data_dir, when the DAG gives one
  std::string env_file;        // params.env_file, when the DAG gives one
};

// The DAG's own data directory relative to the home, data/<dag_id>: a mount
// root of its container tasks, and where its params.data_dir must lie when DAG
// authors are not trusted. nullopt for an id that names no directory of its
// own ("", ".", "..").
std::optional<std::filesystem::path> dag_data_dir(std::string_view dag_id);

// The context of a DAG with this id and params (the DAG's params; a task's own
// when it runs without a DAG): data_dir and env_file are read when they are
// strings, and ignored otherwise (the loader reports their type).
DagMountContext dag_mount_context(const std::filesystem::path& home, std::string_view dag_id,
                                  const JsonValue& params);

}  // namespace dagrun
