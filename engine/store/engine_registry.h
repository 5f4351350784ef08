// The live engines (a trigger, a scheduler) and their heartbeats, from which
// another engine tells a dead one's runs.
#pragma once

#include <string>
#include <vector>

#include "store/records.h"
#include "store/store_error.h"

namespace dagrun {

class EngineRegistry {
 public:
  virtual ~EngineRegistry() = default;

  virtual void register_engine(const EngineRecord& engine) = 0;
  virtual void heartbeat(const std::string& engine_id, TimePoint at) = 0;
  virtual void unregister_engine(const std::string& engine_id) = 0;
  virtual std::vector<EngineRecord> list_engines() const = 0;
};

}  // namespace dagrun
