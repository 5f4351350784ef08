// Wake-ups through PostgreSQL's LISTEN/NOTIFY, for the work queue's watches
// (store/work_queue.h): a worker's idle slots wake when a try is queued for
// them, and the engine's wait for a worker's report ends when it arrives,
// instead of both reading the queue on a fixed beat.
//
// One connection per process LISTENs, on a thread of its own, started by the
// first watch (so a CLI verb that never waits opens no third connection).
// Each notification's payload is a topic ("work:<queue>", "try:<key>");
// only topics someone watches are counted, each with a generation a watch
// compares with the one it saw last. Losing the connection wakes every
// watch (they read the queue again) while the thread reconnects.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/unique_fd.h"
#include "store/work_queue.h"

namespace dagrun {

class PgNotifier {
 public:
  // The channel every dagrun process notifies on and listens to.
  static constexpr const char* kChannel = "dagrun_queue";
  static std::string work_topic(const std::string& queue);
  static std::string try_topic(const DispatchKey& key);

  explicit PgNotifier(std::string url) : url_(std::move(url)) {}
  ~PgNotifier();
  PgNotifier(const PgNotifier&) = delete;
  PgNotifier& operator=(const PgNotifier&) = delete;

  std::unique_ptr<QueueWatch> watch(std::vector<std::string> topics);

 private:
  class Watch;
  struct Topic {
    std::uint64_t generation = 0;
    int watchers = 0;
  };

  // Starts the listening thread once, then waits a little for its LISTEN.
  void ensure_listening(std::unique_lock<std::mutex>& lock);
  void loop();
  // Listens until the notifier is destroyed; throws when the connection is lost.
  void listen_until_stopped();
  void wake_all();  // with mu_ held

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Topic> topics_;
  std::uint64_t epoch_ = 0;  // bumped when the listening connection is lost or made
  bool started_ = false;
  bool listening_ = false;
  bool stopping_ = false;
  UniqueFd stop_;  // an eventfd: readable once the notifier is destroyed
  std::thread thread_;
};

}  // namespace dagrun
