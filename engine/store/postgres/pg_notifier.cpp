#include "store/postgres/pg_notifier.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <optional>

#include "store/postgres/pg_connection.h"

namespace dagrun {
namespace {

// How long the first watch waits for the listening connection: past it,
// watches work on their timeouts alone until the connection is made.
constexpr std::chrono::seconds kListenWait{2};
// Between attempts to connect again after the listening connection was lost.
constexpr int kReconnectDelayMs = 1000;

}  // namespace

std::string PgNotifier::work_topic(const std::string& queue) { return "work:" + queue; }

std::string PgNotifier::try_topic(const DispatchKey& key) {
  // Ids cannot hold a tab (model/ids.h), so the key is unambiguous.
  return "try:" + key.run_id + "\t" + key.task_id + "\t" + std::to_string(key.try_number);
}

class PgNotifier::Watch : public QueueWatch {
 public:
  Watch(PgNotifier& notifier, std::vector<std::string> topics) : n_(notifier), topics_(std::move(topics)) {
    std::unique_lock lock(n_.mu_);
    n_.ensure_listening(lock);
    for (const std::string& t : topics_) {
      Topic& topic = n_.topics_[t];
      ++topic.watchers;
      seen_.push_back(topic.generation);
    }
    epoch_ = n_.epoch_;
  }

  ~Watch() override {
    std::lock_guard lock(n_.mu_);
    for (const std::string& t : topics_) {
      auto it = n_.topics_.find(t);
      if (it != n_.topics_.end() && --it->second.watchers == 0) n_.topics_.erase(it);
    }
  }

  void wait(std::chrono::milliseconds timeout, const CancelToken* cancel) override {
    // Made before the lock and ended after it: its call takes the lock.
    std::optional<CancelToken::Subscription> on_cancel;
    if (cancel) on_cancel.emplace(cancel->subscribe([this] {
      std::lock_guard lock(n_.mu_);
      n_.cv_.notify_all();
    }));
    std::unique_lock lock(n_.mu_);
    n_.cv_.wait_for(lock, timeout, [&] { return changed() || (cancel && cancel->cancelled()); });
    for (size_t i = 0; i < topics_.size(); ++i) seen_[i] = n_.topics_[topics_[i]].generation;
    epoch_ = n_.epoch_;
  }

 private:
  bool changed() const {  // with n_.mu_ held
    if (n_.epoch_ != epoch_) return true;
    for (size_t i = 0; i < topics_.size(); ++i) {
      auto it = n_.topics_.find(topics_[i]);
      if (it != n_.topics_.end() && it->second.generation != seen_[i]) return true;
    }
    return false;
  }

  PgNotifier& n_;
  std::vector<std::string> topics_;
  std::vector<std::uint64_t> seen_;
  std::uint64_t epoch_ = 0;
};

PgNotifier::~PgNotifier() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  const std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

std::unique_ptr<QueueWatch> PgNotifier::watch(std::vector<std::string> topics) {
  return std::make_unique<Watch>(*this, std::move(topics));
}

void PgNotifier::ensure_listening(std::unique_lock<std::mutex>& lock) {
  if (!started_) {
    stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!stop_) return;  // no eventfd: watches work on their timeouts alone
    started_ = true;
    thread_ = std::thread([this] { loop(); });
  }
  cv_.wait_for(lock, kListenWait, [&] { return listening_; });
}

void PgNotifier::wake_all() {
  ++epoch_;
  cv_.notify_all();
}

void PgNotifier::loop() {
  for (;;) {
    try {
      listen_until_stopped();
    } catch (const std::exception& e) {
      spdlog::debug("listening for queue changes: {}; connecting again", e.what());
    }
    {
      std::lock_guard lock(mu_);
      listening_ = false;
      wake_all();  // what was announced meanwhile is lost: every watcher reads again
      if (stopping_) return;
    }
    pollfd stop{stop_.get(), POLLIN, 0};
    if (::poll(&stop, 1, kReconnectDelayMs) > 0) return;
  }
}

void PgNotifier::listen_until_stopped() {
  PgConnection c(url_);
  c.exec(std::string("LISTEN ") + kChannel);
  {
    std::lock_guard lock(mu_);
    listening_ = true;
    wake_all();  // anything announced before the LISTEN: read again
  }
  for (;;) {
    if (c.socket() < 0) throw StoreError("the listening connection is lost");
    pollfd fds[2] = {{stop_.get(), POLLIN, 0}, {c.socket(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw StoreError("poll failed while listening");
    }
    if (fds[0].revents) return;
    if (!fds[1].revents) continue;
    const std::vector<std::string> topics = c.take_notifications();
    if (topics.empty()) continue;
    std::lock_guard lock(mu_);
    for (const std::string& t : topics)
      if (auto it = topics_.find(t); it != topics_.end()) ++it->second.generation;
    cv_.notify_all();
  }
}

}  // namespace dagrun
