#include "web/history_events.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

#include "app/history.h"
#include "base/dir_watch.h"
#include "web/history_diff.h"

namespace dagrun::web {
namespace {

// A burst of commits (a run of many short tasks) is read once: after a wake
// the thread waits this long for the burst to pass.
constexpr std::chrono::milliseconds kSettle{50};

}  // namespace

HistoryEvents::HistoryEvents(app::EnginePaths home, EventHub& hub, std::chrono::milliseconds heartbeat)
    : home_(std::move(home)), hub_(hub), heartbeat_(heartbeat) {
  stop_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_) throw std::system_error(errno, std::generic_category(), "eventfd");
  if (home_.db_url.empty()) std::filesystem::create_directories(home_.db.parent_path());
  thread_ = std::thread([this] { loop(); });
}

HistoryEvents::~HistoryEvents() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void HistoryEvents::loop() {
  HistoryDiff diff;
  std::unique_ptr<Store> history;
  std::string last_warning;  // said once while it lasts: a PostgreSQL history is read 3 times a second
  auto look = [&] {
    try {
      if (!history) history = app::open_history(home_, false);
      if (!history) return;  // no database yet: its creation wakes us
      for (HistoryEvent& e : diff.changes(*history, std::chrono::system_clock::now()))
        hub_.publish(e.type, e.data.dump());
      last_warning.clear();
    } catch (const std::exception& ex) {
      // A busy or broken database: the next commit, poll or heartbeat tries again.
      if (last_warning != ex.what()) spdlog::warn("reading the history for events: {}", ex.what());
      last_warning = ex.what();
      history.reset();
    }
  };
  if (home_.db_url.empty()) {
    if (!std::filesystem::exists(home_.db)) diff.start_empty();
    look();
    watch_file(look);
  } else {
    look();
    poll_database(look);
  }
}

void HistoryEvents::watch_file(const std::function<void()>& look) {
  const std::string db = home_.db.filename().string();
  const std::string wal = db + "-wal";
  DirWatch watch(home_.db.parent_path(), DirWatch::Changes::every_write,
                 [&](std::string_view name) { return name == db || name == wal; });
  for (;;) {
    pollfd fds[2] = {{stop_.get(), POLLIN, 0}, {watch.fd(), POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(heartbeat_.count()));
    if (n < 0 && errno != EINTR) return;
    if (fds[0].revents) return;
    if (n == 0) {
      hub_.heartbeat();
      continue;
    }
    if (fds[1].revents) {
      ::poll(nullptr, 0, static_cast<int>(kSettle.count()));
      if (watch.drain()) look();
    }
  }
}

void HistoryEvents::poll_database(const std::function<void()>& look) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_heartbeat = Clock::now() + heartbeat_;
  for (;;) {
    const auto until_heartbeat = std::chrono::ceil<std::chrono::milliseconds>(next_heartbeat - Clock::now());
    const auto wait = std::clamp(until_heartbeat, std::chrono::milliseconds(0), kPgPoll);
    pollfd stop = {stop_.get(), POLLIN, 0};
    const int n = ::poll(&stop, 1, static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) return;
    if (n > 0) return;
    if (Clock::now() >= next_heartbeat) {
      hub_.heartbeat();
      next_heartbeat = Clock::now() + heartbeat_;
    }
    look();
  }
}

}  // namespace dagrun::web
