// Shared by the store tests: a temporary directory removed afterwards, and
// records with sensible defaults.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "model/iso_time.h"
#include "store/records.h"
#include "temp_dir.h"

namespace dagrun::store_test {

using dagrun::testing::TempDir;

inline TimePoint at(const char* iso) {
  auto t = parse_iso8601(iso);
  if (!t) throw std::invalid_argument(std::string("bad time in test: ") + iso);
  return *t;
}

inline RunRecord make_run(const std::string& run_id, const std::string& dag_id,
                          std::optional<TimePoint> queued_at = std::nullopt) {
  RunRecord r;
  r.run_id = run_id;
  r.dag_id = dag_id;
  r.dag_file = "dags/" + dag_id + ".json";
  r.queued_at = queued_at;
  return r;
}

inline TaskInstanceRecord make_task(const std::string& run_id, const std::string& task_id,
                                    TaskState state = TaskState::queued, int try_number = 0,
                                    int max_tries = 1) {
  return TaskInstanceRecord{run_id, task_id, state, try_number, max_tries};
}

inline TryRecord make_try(const std::string& run_id, const std::string& task_id, int try_number,
                          TaskState state) {
  TryRecord t;
  t.run_id = run_id;
  t.task_id = task_id;
  t.try_number = try_number;
  t.state = state;
  return t;
}

}  // namespace dagrun::store_test
