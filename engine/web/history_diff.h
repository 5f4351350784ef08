// What changed in the history since the last look, as events for the web's
// clients. The history has no change log, so this keeps a picture of the runs
// that may still change (queued and running ones, and those that started or
// were queued lately) with their tasks and tries, and compares it with the
// history each time another process commits. Every try is its own row, so a
// try that started and ended between two looks still shows as both.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/history_store.h"

namespace dagrun::web {

struct HistoryEvent {
  std::string type;  // "run", "task", "try"
  nlohmann::json data;
};

class HistoryDiff {
 public:
  // How far back a look also reads runs by their start (else queue) time: a
  // run created and ended between two looks, whose rows reached the disk late
  // (the engine's writer may wait out a busy disk for a minute), is still seen.
  static constexpr std::chrono::minutes kLookBack{2};

  // The changes since the last call; the first call only takes the picture.
  std::vector<HistoryEvent> changes(const HistoryReader& history, TimePoint now);

  // There is no history yet: the picture is empty, and the first call reports
  // everything it finds.
  void start_empty() { first_ = false; }

  std::size_t runs_watched() const { return runs_.size(); }

 private:
  struct RunPicture {
    RunState state = RunState::queued;
    std::unordered_map<std::string, std::pair<TaskState, int>> tasks;  // state, try_number
    std::map<std::pair<std::string, int>, TaskState> tries;
  };
  void compare_tasks(const HistoryReader& history, const RunRecord& run, RunPicture& picture, bool report,
                     std::vector<HistoryEvent>& out);

  bool first_ = true;
  std::unordered_map<std::string, RunPicture> runs_;
};

}  // namespace dagrun::web
