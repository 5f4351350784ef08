// What an engine and a worker tell each other through the work queue
// (store/work_queue.h), as JSON: the payload of a try sent to a queue, and
// the outcome the worker reports back. Both come from another process that
// may be older, newer or hostile, so decoding checks every field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "exec/executor.h"

namespace dagrun {

// The engine's side of a try: which DAG version it belongs to (the worker
// reads its text from the history) and the XComs of the run so far, for the
// try to pull. The run's conf and data interval are in the run's record.
struct TryPayload {
  std::string dag_id;
  std::string dag_version;
  std::vector<std::tuple<std::string, std::string, std::string>> xcoms;  // task_id, key, value_json
  // An instance of a mapped task (task_id[index]): its item as JSON; empty otherwise.
  std::string map_item_json;
};

// The worker's report: the outcome and the XComs the try pushed.
struct RemoteOutcome {
  TryOutcome outcome;
  std::vector<std::pair<std::string, std::string>> xcoms;  // key, value_json
};

std::string encode_payload(const TryPayload& payload);
// nullopt, with *error saying why, for text that is not a payload.
std::optional<TryPayload> decode_payload(std::string_view json, std::string* error);

std::string encode_outcome(const RemoteOutcome& outcome);
std::optional<RemoteOutcome> decode_outcome(std::string_view json, std::string* error);

}  // namespace dagrun
