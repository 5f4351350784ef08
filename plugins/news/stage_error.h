// The one exception the stages throw: a message for set_error and the status
// that tells the engine whether a retry can help. It never leaves run().
#pragma once

#include <stdexcept>
#include <string>

#include <dagrun/plugin.h>

namespace dagrun::news {

class StageError : public std::runtime_error {
 public:
  explicit StageError(std::string message, dagrun_status status = DAGRUN_FAILED)
      : std::runtime_error(std::move(message)), status_(status) {}
  dagrun_status status() const { return status_; }

 private:
  dagrun_status status_;
};

// A failure that the same configuration will hit again: no retry.
inline StageError config_error(std::string message) {
  return StageError(std::move(message), DAGRUN_FAILED_NO_RETRY);
}

}  // namespace dagrun::news
