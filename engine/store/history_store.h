// The run history: runs, task instances, tries and XComs. Readers (the CLI's
// history verbs, a run resumed from what was recorded) need only
// HistoryReader; what records a run needs HistoryStore.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "store/store_error.h"

namespace dagrun {

class HistoryReader {
 public:
  virtual ~HistoryReader() = default;

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
  // The text of a version of a DAG, as a run recorded it; nullopt when the
  // history has no such version.
  virtual std::optional<DagVersionRecord> get_dag_version(const std::string& dag_id,
                                                          const std::string& version) const = 0;
};

class HistoryStore : public HistoryReader {
 public:
  // Inserts the run and one queued task instance per task, and the version
  // of the DAG it runs unless the history has it already (version->version
  // is run.dag_version), atomically. Throws RunExistsError when run.run_id is
  // taken.
  virtual void create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks,
                          const DagVersionRecord* version = nullptr) = 0;

  // Records a version of a DAG; one the history has already (the same text
  // has the same hash) is left as it is.
  virtual void put_dag_version(const DagVersionRecord& version) = 0;

  // Applies the changes in order, in one transaction. A TaskInstanceRecord or
  // TryRecord replaces the row with the same key; a RunUpdate changes the
  // fields it sets.
  virtual void apply(const std::vector<StoreChange>& changes) = 0;

  // Deletes runs that ended before cutoff, with their tasks, tries and xcoms,
  // and returns them.
  virtual std::vector<RunRecord> delete_runs_ended_before(TimePoint cutoff) = 0;
};

}  // namespace dagrun
