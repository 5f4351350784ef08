// The callbacks' side of the history (docs/callbacks.md): the events the runs
// recorded (CallbackRecord changes, through Store::apply), claimed by an
// engine's dispatcher, sent, and their outcome recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/time_types.h"
#include "store/records.h"

namespace dagrun {

class CallbackStore {
 public:
  virtual ~CallbackStore() = default;

  // Takes up to `limit` callbacks of these DAGs for `engine_id` until
  // now + lease, oldest first: pending ones due by now, and ones claimed by
  // an engine whose claim ran out (it died sending them). Each taken one is
  // `running`, its attempts counted. Several engines never take the same one.
  virtual std::vector<CallbackRecord> claim_callbacks(const std::string& engine_id,
                                                      const std::vector<std::string>& dag_ids, TimePoint now,
                                                      Duration lease, int limit) = 0;

  // Records an attempt's outcome: `sent`, `failed` (no more attempts) or
  // `pending` again until next_at. False, and nothing changed, when the
  // callback is no longer claimed by engine_id (its claim ran out and
  // another engine took it).
  virtual bool finish_callback(std::int64_t id, const std::string& engine_id, const std::string& state,
                               const std::string& error, TimePoint at, TimePoint next_at) = 0;

  // A run's callbacks, in the order they were recorded.
  virtual std::vector<CallbackRecord> list_callbacks(const std::string& run_id) const = 0;
};

}  // namespace dagrun
