// The host callbacks as the stages use them: every string that leaves the
// plugin (log lines, the error, XCom values) goes through the secret masker.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <dagrun/plugin.h>

#include "secret_mask.h"

namespace dagrun::news {

class StageHost {
 public:
  explicit StageHost(const dagrun_host* host) : host_(host) {}

  // Secrets known once the configuration is read.
  void set_masker(SecretMasker masker) { masker_ = std::move(masker); }
  const SecretMasker& masker() const { return masker_; }

  void log(dagrun_log_level level, std::string_view message) const;
  void info(std::string_view message) const { log(DAGRUN_LOG_INFO, message); }
  void warn(std::string_view message) const { log(DAGRUN_LOG_WARN, message); }
  void set_error(std::string_view message) const;
  // False when the host refused the value (the reason is in the log).
  bool xcom_push(std::string_view key, std::string_view value_json) const;
  bool cancelled() const;

 private:
  const dagrun_host* host_;
  SecretMasker masker_;
};

// Waits for a while unless the try is cancelled; a fake in tests records the
// waits instead.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Returns false when the try was cancelled before the time was up.
  virtual bool wait(std::chrono::milliseconds how_long, const StageHost& host) = 0;
};

// Sleeps in short slices, polling host.cancelled() between them.
class PollingWaiter : public Waiter {
 public:
  bool wait(std::chrono::milliseconds how_long, const StageHost& host) override;
};

}  // namespace dagrun::news
