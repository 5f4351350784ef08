// Recovery while other engines work: a running scheduler looks for dead
// engines periodically, so engines register, create runs, finish them and
// unregister between its reads. A real SQLite history; the store is wrapped
// only to let another engine act between two of recovery's reads.
#include <doctest/doctest.h>

#include <functional>

#include "run/engine_lease.h"
#include "run/recovery.h"
#include "store/store.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

struct NoProcesses : TryProcesses {
  std::vector<int> find(const std::string& run_id) override {
    searched.push_back(run_id);
    return {};
  }
  void stop(const std::vector<int>&) override {}
  std::vector<std::string> searched;
};

// Delegates to a real store; runs a hook between recovery's two reads (before
// the second of list_runs and list_engines, whichever order they come in), as
// if another engine acted just then.
class Interleaved : public Store {
 public:
  explicit Interleaved(Store& s) : s_(s) {}
  mutable std::function<void()> between_reads;  // stands for another process

  void create_run(const RunRecord& r, const std::vector<TaskInstanceRecord>& t, const DagVersionRecord* v) override {
    s_.create_run(r, t, v);
  }
  void put_dag_version(const DagVersionRecord& v) override { s_.put_dag_version(v); }
  std::optional<DagVersionRecord> get_dag_version(const std::string& d, const std::string& v) const override {
    return s_.get_dag_version(d, v);
  }
  void apply(const std::vector<StoreChange>& c) override { s_.apply(c); }
  std::vector<RunRecord> list_runs(const RunFilter& f) const override {
    read();
    return s_.list_runs(f);
  }
  std::optional<RunRecord> get_run(const std::string& id) const override { return s_.get_run(id); }
  std::vector<TaskInstanceRecord> list_task_instances(const std::string& id) const override {
    return s_.list_task_instances(id);
  }
  std::vector<TryRecord> list_tries(const std::string& id) const override { return s_.list_tries(id); }
  HistoryCounts counts() const override { return s_.counts(); }
  std::optional<TryRecord> get_try(const std::string& r, const std::string& t, std::optional<int> n) const override {
    return s_.get_try(r, t, n);
  }
  std::optional<std::string> get_xcom(const std::string& r, const std::string& t,
                                      const std::string& k) const override {
    return s_.get_xcom(r, t, k);
  }
  std::vector<XComRecord> list_xcoms(const std::string& id) const override { return s_.list_xcoms(id); }
  std::optional<RunRecord> latest_scheduled_run(const std::string& d) const override {
    return s_.latest_scheduled_run(d);
  }
  std::vector<RunRecord> queued_runs() const override { return s_.queued_runs(); }
  int count_running(const std::string& d) const override { return s_.count_running(d); }
  int count_running_backfill(std::int64_t b) const override { return s_.count_running_backfill(b); }
  bool claim_run(const std::string& r, const std::string& o, TimePoint n, int m) override {
    return s_.claim_run(r, o, n, m);
  }
  bool take_over_run(const std::string& r, const std::string& f, const std::string& t) override {
    return s_.take_over_run(r, f, t);
  }
  void requeue_run(const std::string& r, const std::string& why) override { s_.requeue_run(r, why); }
  bool clear_tasks(const std::string& r, const std::vector<std::string>& t) override { return s_.clear_tasks(r, t); }
  CancelResult cancel_run(const std::string& r, const std::string& why, TimePoint n) override {
    return s_.cancel_run(r, why, n);
  }
  std::vector<std::pair<std::string, std::string>> cancel_requests() const override { return s_.cancel_requests(); }
  std::vector<RunRecord> delete_runs_ended_before(TimePoint c) override { return s_.delete_runs_ended_before(c); }
  DagRecord ensure_dag(const std::string& d, TimePoint t) override { return s_.ensure_dag(d, t); }
  std::vector<DagRecord> list_dags() const override { return s_.list_dags(); }
  void set_paused(const std::string& d, bool p, TimePoint t) override { s_.set_paused(d, p, t); }
  void register_engine(const EngineRecord& e) override { s_.register_engine(e); }
  void heartbeat(const std::string& e, TimePoint t) override { s_.heartbeat(e, t); }
  void unregister_engine(const std::string& e) override { s_.unregister_engine(e); }
  std::vector<EngineRecord> list_engines() const override {
    read();
    return s_.list_engines();
  }
  std::vector<CallbackRecord> claim_callbacks(const std::string& e, const std::vector<std::string>& d, TimePoint n,
                                              Duration l, int m) override {
    return s_.claim_callbacks(e, d, n, l, m);
  }
  bool finish_callback(std::int64_t id, const std::string& e, const std::string& s, const std::string& why,
                       TimePoint at, TimePoint next) override {
    return s_.finish_callback(id, e, s, why, at, next);
  }
  std::vector<CallbackRecord> list_callbacks(const std::string& r) const override { return s_.list_callbacks(r); }
  bool acquire_pool_slots(const PoolClaim& c, const std::vector<std::string>& live, TimePoint now) override {
    return s_.acquire_pool_slots(c, live, now);
  }
  void release_pool_slots(const std::string& r, const std::string& t) override { s_.release_pool_slots(r, t); }
  std::vector<PoolSlotRecord> list_pool_slots() const override { return s_.list_pool_slots(); }
  std::int64_t create_backfill(const BackfillRecord& b) override { return s_.create_backfill(b); }
  bool join_backfill(const std::string& r, std::int64_t id) override { return s_.join_backfill(r, id); }
  std::optional<BackfillRecord> get_backfill(std::int64_t id) const override { return s_.get_backfill(id); }
  std::vector<BackfillRecord> list_backfills(const std::optional<std::string>& d) const override {
    return s_.list_backfills(d);
  }
  BackfillRunCounts backfill_run_counts(std::int64_t id) const override { return s_.backfill_run_counts(id); }
  bool set_backfill_paused(std::int64_t id, bool p) override { return s_.set_backfill_paused(id, p); }
  BackfillCancel cancel_backfill(std::int64_t id, const std::string& r, TimePoint now) override {
    return s_.cancel_backfill(id, r, now);
  }

 private:
  void read() const {
    if (++reads_ == 2 && between_reads) between_reads();
  }
  Store& s_;
  mutable int reads_ = 0;
};

void create_running(Store& store, const std::string& run_id, const std::string& owner) {
  RunRecord run = make_run(run_id, "etl", at("2026-11-29T01:00:00Z"));
  run.state = RunState::running;
  run.owner = owner;
  store.create_run(run, {make_task(run_id, "t", TaskState::running, 1, 1)});
  store.apply({make_try(run_id, "t", 1, TaskState::running)});
}

}  // namespace

TEST_CASE("recovery does not take an engine that registers meanwhile for dead") {
  TempDir dir;
  auto real = open_sqlite_store(dir.file("h.db"));
  Interleaved store(*real);
  const TimePoint now = at("2026-11-29T02:00:00Z");
  EngineRecord self = this_engine("scheduler", now);
  self.engine_id += ":scheduler";
  store.register_engine(self);
  // A trigger starts while recovery reads: it registers, then creates its run.
  // (This process stands for it: alive, on this host.)
  EngineRecord trigger = this_engine("trigger", now);
  auto start_trigger = [&] {
    real->register_engine(trigger);
    create_running(*real, "live", trigger.engine_id);
  };
  store.between_reads = start_trigger;
  NoProcesses procs;
  CHECK(recover_orphaned_runs(store, self, now, procs).empty());
  CHECK(procs.searched.empty());  // nothing of the live run was stopped
  CHECK(real->get_run("live")->state == RunState::running);
  CHECK(real->list_task_instances("live")[0].state == TaskState::running);
}

TEST_CASE("recovery leaves alone a run its owner finished after it was listed") {
  TempDir dir;
  auto real = open_sqlite_store(dir.file("h.db"));
  Interleaved store(*real);
  const TimePoint now = at("2026-11-29T02:00:00Z");
  EngineRecord self = this_engine("scheduler", now);
  self.engine_id += ":scheduler";
  EngineRecord trigger = this_engine("trigger", now);
  store.register_engine(self);
  store.register_engine(trigger);
  create_running(*real, "done", trigger.engine_id);
  // Listed as running; then the trigger finishes it and unregisters.
  store.between_reads = [&] {
    real->apply({make_try("done", "t", 1, TaskState::success), make_task("done", "t", TaskState::success, 1, 1),
                 RunUpdate{"done", RunState::success, std::nullopt, now, std::nullopt}});
    real->unregister_engine(trigger.engine_id);
  };
  NoProcesses procs;
  CHECK(recover_orphaned_runs(store, self, now, procs).empty());
  CHECK(real->get_run("done")->state == RunState::success);
  CHECK(real->get_try("done", "t", 1)->state == TaskState::success);
}

TEST_CASE("a run whose owner unregistered without finishing it is recovered") {
  TempDir dir;
  auto real = open_sqlite_store(dir.file("h.db"));
  const TimePoint now = at("2026-11-29T02:00:00Z");
  EngineRecord self = this_engine("scheduler", now);
  self.engine_id += ":scheduler";
  real->register_engine(self);
  create_running(*real, "left", "gone:1:1");  // an engine that threw, then unregistered
  NoProcesses procs;
  auto recovered = recover_orphaned_runs(*real, self, now, procs);
  REQUIRE(recovered.size() == 1);
  CHECK(real->get_run("left")->state == RunState::queued);
  CHECK(real->list_task_instances("left")[0].state == TaskState::failed);  // retries 0: charged
}

TEST_CASE("two engines recovering the same dead engine's run: one takes it, the other leaves it") {
  TempDir dir;
  auto real = open_sqlite_store(dir.file("h.db"));
  Interleaved store(*real);
  const TimePoint now = at("2026-11-29T02:00:00Z");
  EngineRecord scheduler = this_engine("scheduler", now);
  scheduler.engine_id += ":scheduler";
  EngineRecord trigger = this_engine("trigger", now);
  create_running(*real, "orphan", "gone:1:1");
  NoProcesses by_trigger;
  std::vector<RecoveredRun> taken_by_trigger;
  // The trigger's recovery runs whole while the scheduler's is between its
  // reads; then the scheduler claims the queued run and runs it.
  store.between_reads = [&] {
    taken_by_trigger = recover_orphaned_runs(*real, trigger, now, by_trigger);
    REQUIRE(real->claim_run("orphan", scheduler.engine_id, now));
  };
  NoProcesses by_scheduler;
  CHECK(recover_orphaned_runs(store, scheduler, now, by_scheduler).empty());
  CHECK(taken_by_trigger.size() == 1);
  CHECK(by_scheduler.searched.empty());  // it stopped nothing of the run it now runs
  auto run = real->get_run("orphan");
  CHECK(run->state == RunState::running);
  CHECK(run->owner == scheduler.engine_id);
}

TEST_CASE("a run is taken over only from the owner it still has") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  create_running(*store, "r", "dead:1:1");
  CHECK_FALSE(store->take_over_run("r", "other:2:2", "me"));
  CHECK(store->take_over_run("r", "dead:1:1", "me"));
  CHECK(store->get_run("r")->owner == "me");
  CHECK_FALSE(store->take_over_run("r", "dead:1:1", "you"));
  store->requeue_run("r", "recovered");
  CHECK_FALSE(store->take_over_run("r", "", "you"));  // queued: not running any more
  RunRecord ownerless = make_run("n", "etl", at("2026-11-29T01:00:00Z"));
  ownerless.state = RunState::running;
  store->create_run(ownerless, {});
  CHECK(store->take_over_run("n", "", "me"));
}
