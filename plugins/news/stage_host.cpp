#include "stage_host.h"

#include <algorithm>
#include <thread>

namespace dagrun::news {

void StageHost::log(dagrun_log_level level, std::string_view message) const {
  const std::string text = masker_.mask(message);
  host_->log(host_->host_data, level, text.c_str());
}

void StageHost::set_error(std::string_view message) const {
  const std::string text = masker_.mask(message);
  host_->set_error(host_->host_data, text.c_str());
}

bool StageHost::xcom_push(std::string_view key, std::string_view value_json) const {
  // "***" is valid inside a JSON string, so masking keeps the value valid JSON.
  const std::string value = masker_.mask(value_json);
  const std::string k(key);
  return host_->xcom_push(host_->host_data, k.c_str(), value.c_str()) == 0;
}

bool StageHost::cancelled() const { return host_->is_cancelled(host_->host_data) != 0; }

bool PollingWaiter::wait(std::chrono::milliseconds how_long, const StageHost& host) {
  constexpr std::chrono::milliseconds kSlice{50};
  const auto deadline = std::chrono::steady_clock::now() + how_long;
  for (;;) {
    if (host.cancelled()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, deadline - now));
  }
}

}  // namespace dagrun::news
