// The PostgreSQL store's class, shared by the files that implement it:
// history (pg_store.cpp), scheduling (pg_scheduling.cpp), a person's actions
// on a run (pg_run_actions.cpp) and counts (pg_stats.cpp). Internal to
// store/postgres/.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_notifier.h"
#include "store/store.h"

namespace dagrun {

class PgStore final : public Store, public WorkQueue {
 public:
  explicit PgStore(const std::string& url);

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
  // In the caller's transaction (pg_callbacks.cpp).
  static void insert_callback(PgConnection& c, const CallbackRecord& record);

  WorkQueue* work_queue() override { return this; }
  void enqueue(const DispatchKey& key, const std::string& queue, const std::string& payload_json) override;
  std::optional<DispatchStatus> dispatch_status(const DispatchKey& key) const override;
  bool abandon_expired(const DispatchKey& key, long long fence) override;
  bool withdraw(const DispatchKey& key) override;
  void request_cancel(const DispatchKey& key, const std::string& reason) override;
  int abandon_run(const std::string& run_id) override;
  std::optional<DispatchClaim> claim(const std::vector<std::string>& queues, const std::string& worker,
                                     std::chrono::milliseconds lease) override;
  Renewal renew(const DispatchKey& key, long long fence, std::chrono::milliseconds lease) override;
  bool complete(const DispatchKey& key, long long fence, const std::string& outcome_json,
                const std::string& log) override;
  void store_log(const DispatchKey& key, const std::string& log) override;
  std::optional<std::string> stored_log(const DispatchKey& key) const override;
  std::unique_ptr<QueueWatch> watch_queues(const std::vector<std::string>& queues) override;
  std::unique_ptr<QueueWatch> watch_try(const DispatchKey& key) override;

  const std::string& where() const { return where_; }

 private:
  // Runs body on the read connection (each statement sees the last commit:
  // READ COMMITTED), connecting again once if the connection was lost.
  void read(const std::string& what, const std::function<void(PgConnection&)>& body) const;
  // Runs body in one transaction on the write connection. A transaction the
  // server aborted for a deadlock or a serialization failure, or one whose
  // connection was lost before COMMIT was sent, is run again as a whole.
  void write(const std::string& what, const std::function<void(PgConnection&)>& body);
  // In the caller's transaction (pg_dag_versions.cpp).
  static void insert_dag_version(PgConnection& c, const DagVersionRecord& v);
  // cancel_run's decision and change, in the caller's transaction
  // (pg_run_actions.cpp; a backfill's cancel makes many in one).
  CancelResult cancel_in(PgConnection& c, const std::string& run_id, const std::string& reason, TimePoint now) const;

  std::string url_;
  std::string where_;  // the redacted URL, for messages
  std::mutex write_mu_;
  PgConnection writer_;
  mutable std::mutex read_mu_;
  mutable PgConnection reader_;
  PgNotifier notifier_{url_};  // last: its thread stops first
};

}  // namespace dagrun
