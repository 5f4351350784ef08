// A Store that stores nothing, for tests of code that only needs a few of its
// methods: derive and override those.
#pragma once

#include "store/store.h"

namespace dagrun::testing {

class NullStore : public Store {
 public:
  void create_run(const RunRecord&, const std::vector<TaskInstanceRecord>&, const DagVersionRecord*) override {}
  void put_dag_version(const DagVersionRecord&) override {}
  std::optional<DagVersionRecord> get_dag_version(const std::string&, const std::string&) const override {
    return {};
  }
  void apply(const std::vector<StoreChange>&) override {}
  std::vector<RunRecord> list_runs(const RunFilter&) const override { return {}; }
  std::optional<RunRecord> get_run(const std::string&) const override { return {}; }
  std::vector<TaskInstanceRecord> list_task_instances(const std::string&) const override { return {}; }
  std::vector<TryRecord> list_tries(const std::string&) const override { return {}; }
  std::optional<TryRecord> get_try(const std::string&, const std::string&, std::optional<int>) const override {
    return {};
  }
  std::optional<std::string> get_xcom(const std::string&, const std::string&, const std::string&) const override {
    return {};
  }
  std::vector<XComRecord> list_xcoms(const std::string&) const override { return {}; }
  HistoryCounts counts() const override { return {}; }
  std::optional<RunRecord> latest_scheduled_run(const std::string&) const override { return {}; }
  std::vector<RunRecord> queued_runs() const override { return {}; }
  int count_running(const std::string&) const override { return 0; }
  int count_running_backfill(std::int64_t) const override { return 0; }
  bool claim_run(const std::string&, const std::string&, TimePoint, int) override { return false; }
  bool take_over_run(const std::string&, const std::string&, const std::string&) override { return false; }
  void requeue_run(const std::string&, const std::string&) override {}
  bool clear_tasks(const std::string&, const std::vector<std::string>&) override { return false; }
  CancelResult cancel_run(const std::string&, const std::string&, TimePoint) override {
    return CancelResult::not_found;
  }
  std::vector<std::pair<std::string, std::string>> cancel_requests() const override { return {}; }
  std::vector<RunRecord> delete_runs_ended_before(TimePoint) override { return {}; }
  DagRecord ensure_dag(const std::string&, TimePoint) override { return {}; }
  std::vector<DagRecord> list_dags() const override { return {}; }
  void set_paused(const std::string&, bool, TimePoint) override {}
  void register_engine(const EngineRecord&) override {}
  void heartbeat(const std::string&, TimePoint) override {}
  void unregister_engine(const std::string&) override {}
  std::vector<EngineRecord> list_engines() const override { return {}; }
  std::vector<CallbackRecord> claim_callbacks(const std::string&, const std::vector<std::string>&, TimePoint,
                                              Duration, int) override {
    return {};
  }
  bool finish_callback(std::int64_t, const std::string&, const std::string&, const std::string&, TimePoint,
                       TimePoint) override {
    return false;
  }
  std::vector<CallbackRecord> list_callbacks(const std::string&) const override { return {}; }
  bool acquire_pool_slots(const PoolClaim&, const std::vector<std::string>&, TimePoint) override { return true; }
  void release_pool_slots(const std::string&, const std::string&) override {}
  std::vector<PoolSlotRecord> list_pool_slots() const override { return {}; }
  std::int64_t create_backfill(const BackfillRecord&) override { return 1; }
  bool join_backfill(const std::string&, std::int64_t) override { return false; }
  std::optional<BackfillRecord> get_backfill(std::int64_t) const override { return std::nullopt; }
  std::vector<BackfillRecord> list_backfills(const std::optional<std::string>&) const override { return {}; }
  BackfillRunCounts backfill_run_counts(std::int64_t) const override { return {}; }
  bool set_backfill_paused(std::int64_t, bool) override { return false; }
  BackfillCancel cancel_backfill(std::int64_t, const std::string&, TimePoint) override { return {}; }
};

}  // namespace dagrun::testing
