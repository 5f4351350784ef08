// The SQLite store's class, shared by the files that implement it: history
// (sqlite_store.cpp), DAG versions (sqlite_dag_versions.cpp) and scheduling
// (sqlite_scheduling.cpp). Internal to store/.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite_connection.h"
#include "store/store.h"

namespace dagrun {

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const SqliteOptions& options);

  void create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks,
                  const DagVersionRecord* version) override;
  void put_dag_version(const DagVersionRecord& version) override;
  std::optional<DagVersionRecord> get_dag_version(const std::string& dag_id,
                                                  const std::string& version) const override;
  void apply(const std::vector<StoreChange>& changes) override;
  std::vector<RunRecord> list_runs(const RunFilter& filter) const override;
  std::optional<RunRecord> get_run(const std::string& run_id) const override;
  std::vector<TaskInstanceRecord> list_task_instances(const std::string& run_id) const override;
  std::vector<TryRecord> list_tries(const std::string& run_id) const override;
  HistoryCounts counts() const override;
  std::optional<TryRecord> get_try(const std::string& run_id, const std::string& task_id,
                                   std::optional<int> try_number) const override;
  std::optional<std::string> get_xcom(const std::string& run_id, const std::string& task_id,
                                      const std::string& key) const override;
  std::vector<XComRecord> list_xcoms(const std::string& run_id) const override;

  std::optional<RunRecord> latest_scheduled_run(const std::string& dag_id) const override;
  std::vector<RunRecord> queued_runs() const override;
  int count_running(const std::string& dag_id) const override;
  int count_running_backfill(std::int64_t backfill_id) const override;
  bool claim_run(const std::string& run_id, const std::string& owner, TimePoint now,
                 int max_active_runs = 0) override;
  bool take_over_run(const std::string& run_id, const std::string& from, const std::string& to) override;
  void requeue_run(const std::string& run_id, const std::string& reason) override;
  bool clear_tasks(const std::string& run_id, const std::vector<std::string>& task_ids) override;
  CancelResult cancel_run(const std::string& run_id, const std::string& reason, TimePoint now) override;
  std::vector<std::pair<std::string, std::string>> cancel_requests() const override;
  std::vector<RunRecord> delete_runs_ended_before(TimePoint cutoff) override;
  DagRecord ensure_dag(const std::string& dag_id, TimePoint seen) override;
  std::vector<DagRecord> list_dags() const override;
  void set_paused(const std::string& dag_id, bool paused, TimePoint seen) override;
  void register_engine(const EngineRecord& engine) override;
  void heartbeat(const std::string& engine_id, TimePoint at) override;
  void unregister_engine(const std::string& engine_id) override;
  std::vector<EngineRecord> list_engines() const override;
  std::vector<CallbackRecord> claim_callbacks(const std::string& engine_id, const std::vector<std::string>& dag_ids,
                                              TimePoint now, Duration lease, int limit) override;
  bool finish_callback(std::int64_t id, const std::string& engine_id, const std::string& state,
                       const std::string& error, TimePoint at, TimePoint next_at) override;
  std::vector<CallbackRecord> list_callbacks(const std::string& run_id) const override;
  bool acquire_pool_slots(const PoolClaim& claim, const std::vector<std::string>& live_engines,
                          TimePoint now) override;
  void release_pool_slots(const std::string& run_id, const std::string& task_id) override;
  std::vector<PoolSlotRecord> list_pool_slots() const override;

  std::int64_t create_backfill(const BackfillRecord& backfill) override;
  bool join_backfill(const std::string& run_id, std::int64_t id) override;
  std::optional<BackfillRecord> get_backfill(std::int64_t id) const override;
  std::vector<BackfillRecord> list_backfills(const std::optional<std::string>& dag_id) const override;
  BackfillRunCounts backfill_run_counts(std::int64_t id) const override;
  bool set_backfill_paused(std::int64_t id, bool paused) override;
  BackfillCancel cancel_backfill(std::int64_t id, const std::string& reason, TimePoint now) override;

 private:
  struct Statements {
    StatementLease update_run, upsert_task, upsert_try, upsert_xcom;
  };
  void apply_one(Statements& st, const RunUpdate& u);
  void apply_one(Statements& st, const TaskInstanceRecord& t);
  void apply_one(Statements& st, const TryRecord& t);
  void apply_one(Statements& st, const XComRecord& x);
  void apply_one(Statements& st, const CallbackRecord& c);  // sqlite_callbacks.cpp
  // In the caller's write transaction (sqlite_dag_versions.cpp).
  static void insert_dag_version(Connection& c, const DagVersionRecord& v);
  // cancel_run's decision and change, in the caller's write transaction
  // (sqlite_run_actions.cpp; a backfill's cancel makes many in one).
  static CancelResult cancel_in(Connection& c, const std::string& run_id, const std::string& reason, TimePoint now);

  // Runs body on the read connection, retried as a whole when busy.
  void read(const std::string& what, const std::function<void(Connection&)>& body) const;
  // Runs body in one write transaction (BEGIN IMMEDIATE), retried when busy.
  void write(const std::string& what, const std::function<void(Connection&)>& body);

  std::mutex write_mu_;
  Connection writer_;
  mutable std::mutex read_mu_;
  std::unique_ptr<Connection> reader_;
};

}  // namespace dagrun
