// A callback's webhook (docs/callbacks.md): one POST of a JSON body over
// libcurl, http or https only, no redirects followed, bounded in time, the
// answer read only far enough to quote it in an error.
#pragma once

#include <string>

#include "base/cancel.h"
#include "model/time_types.h"

namespace dagrun {

struct WebhookResult {
  bool ok = false;     // a 2xx answer
  long status = 0;     // the HTTP status, 0 when there was none
  std::string error;   // why not ok, one line
};

// Posts body (Content-Type: application/json) to url; returns once answered,
// failed, past timeout, or cancelled. Never throws.
WebhookResult post_webhook(const std::string& url, const std::string& body, Duration timeout,
                           const CancelToken& cancel);

}  // namespace dagrun
