#include "web/history_events.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
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
  std::filesystem::create_directories(home_.db.parent_path());
  thread_ = std::thread([this] { loop(); });
}

HistoryEvents::~HistoryEvents() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void HistoryEvents::loop() {
  const std::string db = home_.db.filename().string();
  const std::string wal = db + "-wal";
  DirWatch watch(home_.db.parent_path(), DirWatch::Changes::every_write,
                 [&](std::string_view name) { return name == db || name == wal; });
  HistoryDiff diff;
  std::unique_ptr<Store> history;
  auto look = [&] {
    try {
      if (!history) history = app::open_history(home_.db, false);
      if (!history) return;  // no database yet: its creation wakes us
      for (HistoryEvent& e : diff.changes(*history, std::chrono::system_clock::now()))
        hub_.publish(e.type, e.data.dump());
    } catch (const std::exception& ex) {
      // A busy or broken database: the next commit or heartbeat tries again.
      spdlog::warn("reading the history for events: {}", ex.what());
      history.reset();
    }
  };
  if (!std::filesystem::exists(home_.db)) diff.start_empty();
  look();
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

}  // namespace dagrun::web
