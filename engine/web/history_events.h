// The thread that turns commits to the history, by any process (a scheduler,
// a foreground trigger, a `dagrun clear`), into events on the hub. It sleeps
// until the database or its WAL file is written (inotify), so an idle server
// wakes only for the hub's heartbeat.
#pragma once

#include <chrono>
#include <thread>

#include "app/engine_paths.h"
#include "base/unique_fd.h"
#include "web/event_hub.h"

namespace dagrun::web {

class HistoryEvents {
 public:
  // Starts watching; creates the database's directory when it is missing (a
  // new installation), so there is something to watch. Throws when the
  // directory cannot be watched.
  HistoryEvents(app::EnginePaths home, EventHub& hub, std::chrono::milliseconds heartbeat = std::chrono::seconds(15));
  ~HistoryEvents();  // stops the thread
  HistoryEvents(const HistoryEvents&) = delete;
  HistoryEvents& operator=(const HistoryEvents&) = delete;

 private:
  void loop();

  app::EnginePaths home_;
  EventHub& hub_;
  std::chrono::milliseconds heartbeat_;
  UniqueFd stop_;  // an eventfd: written to stop the thread
  std::thread thread_;
};

}  // namespace dagrun::web
