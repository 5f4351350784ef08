// Everything a run does is announced to observers as the rows the history
// keeps: the store writer persists them, the progress printer shows them.
// Calls come from the Runner's thread, in order; observers must not block long.
#pragma once

#include "store/records.h"

namespace dagrun {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void run_updated(const RunRecord& /*run*/) {}
  virtual void task_updated(const TaskInstanceRecord& /*task*/) {}
  virtual void try_updated(const TryRecord& /*attempt*/) {}
  virtual void xcom_pushed(const XComRecord& /*xcom*/) {}
  // A callback event to record (run/callback_events.h), announced right
  // after the state it is about.
  virtual void callback_due(const CallbackRecord& /*callback*/) {}
  // True while the observer cannot record what it is told (the history
  // cannot be committed): the run launches no new task until it can.
  virtual bool stalled() const { return false; }
  // Blocks until everything announced so far would survive the death of this
  // process (journaled or committed); throws when that cannot be done. Called
  // before a try that runs inside the engine process, so a crash there leaves
  // the try recorded as started and nothing before it lost.
  virtual void sync() {}
};

}  // namespace dagrun
