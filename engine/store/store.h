// The run history store. The SQLite implementation is the only code that
// contains SQL; everything else talks to this interface.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/records.h"

namespace dagrun {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// create_run found the run id taken.
class RunExistsError : public StoreError {
 public:
  using StoreError::StoreError;
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts the run and one queued task instance per task, atomically.
  // Throws RunExistsError when run.run_id is taken.
  virtual void create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks) = 0;

  // Applies the changes in order, in one transaction. A TaskInstanceRecord or
  // TryRecord replaces the row with the same key; a RunUpdate changes the
  // fields it sets.
  virtual void apply(const std::vector<StoreChange>& changes) = 0;

  virtual std::vector<RunRecord> list_runs(const RunFilter& filter) const = 0;
  virtual std::optional<RunRecord> get_run(const std::string& run_id) const = 0;
  virtual std::vector<TaskInstanceRecord> list_task_instances(const std::string& run_id) const = 0;
  // Every try of every task of the run, by task then try number.
  virtual std::vector<TryRecord> list_tries(const std::string& run_id) const = 0;
  virtual std::optional<TryRecord> get_try(const std::string& run_id, const std::string& task_id,
                                           std::optional<int> try_number) const = 0;
  virtual std::optional<std::string> get_xcom(const std::string& run_id, const std::string& task_id,
                                              const std::string& key) const = 0;
  virtual std::vector<XComRecord> list_xcoms(const std::string& run_id) const = 0;
};

// Opens (creating and migrating as needed) the SQLite history at path.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace dagrun
