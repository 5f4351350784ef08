// What a callback is told (docs/callbacks.md): the event as one JSON object,
// read from the history when it is sent. A webhook posts it as its body; a
// command gets it in DAGRUN_CALLBACK_JSON; a plugin in params.callback.
#pragma once

#include <string>

#include "store/records.h"
#include "store/store.h"

namespace dagrun::app {

// At most this much of the end of the try's log (whole lines).
inline constexpr size_t kCallbackLogTail = 4096;

// The event of `callback` with the run's and the try's records: dag_id,
// run_id, task_id (null for the run's own), try_number, event, state,
// error, log_tail, the run's dates, and `text`, one line for people (which
// makes the body a Slack incoming webhook's message as it is).
std::string callback_payload(const CallbackRecord& callback, Store& store);

// The last `limit` bytes of text, starting at a line.
std::string log_tail(const std::string& text, size_t limit = kCallbackLogTail);

}  // namespace dagrun::app
