// Sends the callbacks the runs recorded (docs/callbacks.md): a thread of the
// engine claims each due one from the history, runs its action (a command
// or plugin through the engine's executors, a webhook with libcurl) and
// records how that went. An attempt that fails is tried again later, up to
// max_attempts; a claim that runs out (the engine died sending it) lets any
// engine that knows the DAG send it again, so a callback is sent at least
// once, and more than once only when an engine dies between sending and
// recording it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel.h"
#include "model/model.h"
#include "run/observer.h"
#include "run/runner.h"
#include "store/store.h"

namespace dagrun::app {

struct CallbackDispatcherSettings {
  std::string engine_id;  // whose claims these are
  std::filesystem::path home, logs_root, data_root;
  int max_attempts = 3;
  Duration first_retry = std::chrono::seconds(10);  // then three times longer each time
  Duration idle_look = std::chrono::seconds(5);      // how often it looks when told nothing
  Duration claim_margin = std::chrono::seconds(30);  // a claim lasts the action's timeout and this
};

// Whether the DAG declares any callback, on itself or a task.
bool has_callbacks(const Dag& dag);

// The log of one callback action, beside the run's try logs.
std::filesystem::path callback_log_path(const std::filesystem::path& run_log_dir, const CallbackRecord& callback);

class CallbackDispatcher final : public RunObserver {
 public:
  CallbackDispatcher(Store& store, const ExecutorSet& executors, CallbackDispatcherSettings settings);
  // Stops the thread; an action being sent is stopped and put back, for the
  // next engine.
  ~CallbackDispatcher() override;
  CallbackDispatcher(const CallbackDispatcher&) = delete;
  CallbackDispatcher& operator=(const CallbackDispatcher&) = delete;

  // The DAGs whose callbacks this engine sends (those with none are not
  // kept); callbacks of others wait for an engine that knows them.
  void set_dags(const std::vector<std::shared_ptr<const Dag>>& dags);
  void set_dags(const std::vector<const Dag*>& dags);

  // A run recorded an event: look soon (once the writer has committed it).
  void callback_due(const CallbackRecord& callback) override;

  // Sends what is due until nothing is or `deadline` passes, each action
  // cut short at the deadline: an engine about to exit calls it after its
  // last commit. Returns how many it sent.
  size_t drain(TimePoint deadline);

 private:
  enum class Sent { none, done };
  // Claims one due callback and sends it; none when nothing was due.
  Sent send_one(std::optional<TimePoint> deadline);
  // The attempt's outcome: empty when it was sent, else why not.
  std::string send(const CallbackRecord& c, const CallbackAction& action, Duration timeout);
  std::string run_task(const CallbackRecord& c, const CallbackAction& action, Duration timeout,
                       const std::string& payload);
  void loop();
  // Records the deadline event of each queued or running run of its DAGs
  // that is past its deadline (once per run and dispatcher; the history
  // keeps it once anyway).
  void check_deadlines(TimePoint now);

  Store& store_;
  const ExecutorSet& executors_;
  CallbackDispatcherSettings settings_;
  CancelToken stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool look_ = true;  // something may be due: look without waiting
  int in_flight_ = 0;  // callbacks being sent now, by the thread or drain()
  std::map<std::string, std::shared_ptr<const Dag>> dags_;
  Duration longest_{0};  // the longest timeout of their actions
  std::set<std::string> missed_;  // runs whose missed deadline this dispatcher recorded (its thread's)
  std::jthread thread_;  // last: started once the rest exists
};

}  // namespace dagrun::app
