// The thread that turns commits to the history, by any process (a scheduler,
// a foreground trigger, a `dagrun clear`, on any host), into events on the
// hub. For a SQLite file it sleeps until the database or its WAL file is
// written (inotify), so an idle server wakes only for the hub's heartbeat. A
// PostgreSQL history is written from other hosts, where no inotify reaches:
// the thread reads it every kPgPoll instead.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "app/engine_paths.h"
#include "base/unique_fd.h"
#include "web/event_hub.h"

namespace dagrun::web {

class HistoryEvents {
 public:
  // How often a PostgreSQL history is read for changes: an event is that
  // late at worst, and an idle server costs the database a few cheap queries
  // a second.
  static constexpr std::chrono::milliseconds kPgPoll{300};

  // Starts watching; for SQLite, creates the database's directory when it is
  // missing (a new installation), so there is something to watch. Throws
  // when the directory cannot be watched.
  HistoryEvents(app::EnginePaths home, EventHub& hub, std::chrono::milliseconds heartbeat = std::chrono::seconds(15));
  ~HistoryEvents();  // stops the thread
  HistoryEvents(const HistoryEvents&) = delete;
  HistoryEvents& operator=(const HistoryEvents&) = delete;

 private:
  void loop();
  // The two ways of waiting for a change; each calls look() after one, and
  // returns when stop_ is written.
  void watch_file(const std::function<void()>& look);
  void poll_database(const std::function<void()>& look);

  app::EnginePaths home_;
  EventHub& hub_;
  std::chrono::milliseconds heartbeat_;
  UniqueFd stop_;  // an eventfd: written to stop the thread
  std::thread thread_;
};

}  // namespace dagrun::web
