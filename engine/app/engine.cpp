#include "app/engine.h"

#include <utility>

#include "app/dead_engines.h"
#include "app/executors.h"
#include "app/history.h"
#include "app/history_location.h"
#include "exec/queue_executor.h"
#include "store/change_journal.h"

namespace dagrun::app {

Engine::Engine(EngineSettings settings, PluginCatalog plugins, const std::vector<LoadResult>& dags)
    : paths_(std::move(settings.paths)),
      signals_(settings.handle_signals ? std::make_unique<SignalCanceller>(stop_) : nullptr),
      plugins_(std::move(plugins)),
      store_(open_history(paths_, true)),
      lease_(*store_, settings.kind),
      recovered_at_start_(clean_up_after_dead_engines(paths_, *store_, lease_.record(), dags)),
      executors_(make_executors(paths_, plugins_, settings.config, store_->work_queue() != nullptr,
                                store_->work_queue())),
      pools_(std::make_unique<PoolGate>(*store_, *store_, settings.config.pools, lease_.id())),
      cancel_watch_(*store_, *cancels_),
      callbacks_(std::make_unique<CallbackDispatcher>(*store_, executors_, callback_settings())),
      writer_(*store_, writer_options()) {
  // Tasks with a queue go to workers, through a history that has a work queue.
  if (WorkQueue* queue = store_->work_queue()) executors_.set_queue(make_queue_executor(*queue));
  std::vector<const Dag*> valid;
  for (const LoadResult& r : dags)
    if (r.ok()) valid.push_back(&*r.dag);
  callbacks_->set_dags(valid);
}

CallbackDispatcherSettings Engine::callback_settings() const {
  CallbackDispatcherSettings s;
  s.engine_id = lease_.id();
  s.home = paths_.root;
  s.logs_root = paths_.logs;
  s.data_root = paths_.data;
  return s;
}

void Engine::finish_callbacks(Duration grace) {
  writer_.flush();
  callbacks_->drain(std::chrono::system_clock::now() + grace);
}

StoreWriterOptions Engine::writer_options() {
  StoreWriterOptions options;
  // A history that stays unwritable stops the engine like SIGTERM: a
  // trigger's run is cancelled and its tries killed, a scheduler stops, and
  // the final flush reports where the history ends (see store_writer.h).
  options.on_stalled = [this](const std::string& why) { stop_.cancel("the history cannot be written: " + why); };
  // Next to the database, where recovery by any engine on this host finds
  // it. A shared (PostgreSQL) history has none: the engine that recovers a
  // run may be on another host, where this one's journal is out of reach, so
  // sync() commits instead (RunRequest::shared_history).
  if (!store_->work_queue())
    options.journal = std::make_shared<ChangeJournal>(journal_path(journal_dir(paths_), lease_.id()));
  return options;
}

RunRequest Engine::request(const Dag& dag) const {
  RunRequest request;
  request.dag = &dag;
  request.owner = lease_.id();
  request.home = paths_.root;
  request.logs_root = paths_.logs;
  request.data_root = paths_.data;
  request.cancels = cancels_.get();
  request.shared_history = store_->work_queue() != nullptr;
  request.pools = pools_.get();
  return request;
}

RunRecord Engine::run(const RunRequest& request, const std::vector<RunObserver*>& observers) {
  Runner runner(*store_, executors_, stop_);
  runner.add_observer(&writer_);
  runner.add_observer(callbacks_.get());
  for (RunObserver* o : observers) runner.add_observer(o);
  RunRecord run = runner.run(request);
  writer_.flush();
  return run;
}

RunRecord Engine::resume(const Dag& dag, RunRecord run, const CancelToken& cancel, const CancelToken& drain,
                         const std::vector<RunObserver*>& observers) {
  Runner runner(*store_, executors_, cancel);
  runner.add_observer(&writer_);
  runner.add_observer(callbacks_.get());
  for (RunObserver* o : observers) runner.add_observer(o);
  RunRequest request = this->request(dag);
  request.run_id = run.run_id;
  request.run_type = run.run_type;
  request.conf_json = run.conf_json;
  request.drain = &drain;
  RunRecord end = runner.resume(request, std::move(run));
  if (end.state == RunState::queued) {
    // Its rows first: a change of the run the writer committed after the
    // requeue would overwrite the queued state.
    writer_.flush();
    store_->requeue_run(end.run_id, end.reason);
  }
  return end;
}

size_t Engine::recover_dead_engines(const std::vector<std::shared_ptr<const Dag>>& dags) {
  return recover_runs_of_dead_engines(paths_, *store_, lease_.record(), dags);
}

}  // namespace dagrun::app
