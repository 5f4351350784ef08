// The engine's half of the plugin callback table, shared by both isolations:
// in_process calls it from the C callbacks, process isolation from the
// messages of the task host. Thread-safe, never throws.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "exec/executor.h"
#include "exec/try_log.h"
#include "plugin/protocol.h"

namespace dagrun {

class TryCallbacks {
 public:
  TryCallbacks(TryLog& log, TrySink& sink) : log_(log), sink_(sink) {}

  // To the try's log file and the engine's log.
  void log(LogLevel level, std::string_view message);

  void set_error(std::string_view message);
  std::string error() const;

  // Empty when stored; else the reason, which is also logged as a warning.
  std::string xcom_push(std::string_view key, std::string_view value_json);
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key);

 private:
  TryLog& log_;
  TrySink& sink_;
  mutable std::mutex mu_;
  std::string error_;
};

}  // namespace dagrun
