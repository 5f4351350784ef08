// The state of one run as a pure state machine: which tasks may start, what a
// finished try means for the task and its downstream, when retries are due,
// and how the run ends. No threads, no clock, no I/O: callers pass the time in,
// so every rule is unit-tested without waiting.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "model/model.h"
#include "model/states.h"

namespace dagrun {

// interrupted: the engine stopped the try to suspend the run (a stopping
// scheduler); the task runs again and the try is not charged to its retries.
enum class TryResult { success, failed, failed_no_retry, skipped, interrupted };

// One task changed state. try_number is the task's latest try (0 before the first).
struct Transition {
  int task;
  TaskState state;
  int try_number;
};

// delay x 2^(try-1) when exponential, capped by max_retry_delay; try_number is
// the try that just failed (1 for the first).
Duration retry_delay_after(const TaskSpec& task, int try_number);

class RunMachine {
 public:
  // The Dag must be valid (upstream ids resolve, no cycle) and outlive the machine.
  explicit RunMachine(const Dag& dag);

  // Decides the tasks that can start at once (no upstream, or trigger rule
  // `always`). Call once, before anything else.
  void start(std::vector<Transition>& out);

  // Where a resumed run stands: each task's state and latest try number, and
  // for a task up_for_retry when its retry is due. Instead of start().
  struct TaskSnapshot {
    TaskState state = TaskState::queued;
    int try_number = 0;
    TimePoint retry_at{};
    int max_tries = 0;  // as recorded (raised by interrupted tries); 0: retries + 1
  };
  // Takes the snapshot (no task may be running: recovery has failed those),
  // then decides every queued task as start() would, given what has finished.
  void restore(const std::vector<TaskSnapshot>& tasks, std::vector<Transition>& out);

  // Tasks whose trigger rule is satisfied, in the order they became ready.
  bool has_ready() const { return !ready_.empty(); }
  int pop_ready();

  // Mapped tasks (TaskSpec::expand). A ready mapped task runs no try of its
  // own: once its list is known, expand() adds one instance per item, tasks
  // of their own (indices from the returned one on, after the DAG's tasks)
  // with no upstream, each ready or as its snapshot says (a resumed run's
  // recorded instances). The mapped task settles when its last instance
  // does: failed if any failed, else success if any succeeded, else
  // skipped; an empty list skips it at once. Its state while its instances
  // run is running, announced to no one (it has no try).
  bool is_mapped(int task) const;
  int expand(int task, const std::vector<TaskSnapshot>& instances, std::vector<Transition>& out);
  // A mapped task whose list could not be had (a missing XCom, not a list,
  // too long): fails it with one try charged, no retry.
  void fail_expansion(int task, std::vector<Transition>& out);
  // -1 for a task that is not an instance.
  int parent_of(int task) const { return tasks_[static_cast<size_t>(task)].parent; }
  size_t task_count() const { return tasks_.size(); }

  // A ready task starts its next try.
  void mark_running(int task, std::vector<Transition>& out);

  // A running task's try ended. Decides retry or final state and propagates it
  // to the downstream tasks' trigger rules. A failed try is retried while the
  // task has tries left (max_tries); an interrupted one raises max_tries by
  // one and puts the task back to queued, ready, with nothing settled.
  void finish_try(int task, TryResult result, TimePoint now, std::vector<Transition>& out);

  // Tasks up_for_retry whose delay has passed become ready.
  void release_due_retries(TimePoint now, std::vector<Transition>& out);
  std::optional<TimePoint> next_retry_at() const;

  // The run is being cancelled: every task not running and not finished is
  // marked skipped (Airflow's "mark run failed"). Running tasks still report
  // through finish_try and are then failed, never retried.
  void cancel_pending(std::vector<Transition>& out);

  bool done() const { return terminal_count_ == tasks_.size(); }
  int running_count() const { return running_; }
  // Once done(): failed if any leaf task failed or is upstream_failed (or the
  // run was cancelled), else success.
  RunState outcome() const;

  TaskState state(int task) const { return tasks_[static_cast<size_t>(task)].state; }
  int try_number(int task) const { return tasks_[static_cast<size_t>(task)].try_number; }
  // retries + 1, plus one per interrupted try.
  int max_tries(int task) const { return tasks_[static_cast<size_t>(task)].max_tries; }

 private:
  enum class Decision { wait, run, skip, upstream_failed };

  struct Task {
    TaskState state = TaskState::queued;
    int try_number = 0;
    int max_tries = 1;
    bool decided = false;  // its trigger rule fired: never re-decided
    TimePoint retry_at{};
    // Tally of upstream tasks by final state; updated as they finish so a
    // trigger rule is decided in O(1).
    int n_upstream = 0;
    int n_success = 0;
    int n_failed = 0;  // failed or upstream_failed
    int n_skipped = 0;
    std::vector<int> downstream;
    // An instance of a mapped task: the task's index. A mapped task once
    // expanded: how many instances are not final, and their outcome so far.
    int parent = -1;
    int instances_left = 0;
    bool instance_failed = false;
    bool instance_succeeded = false;
  };

  const TaskSpec& spec_of(int task) const;
  // An instance became final: its mapped task's tally; true when that was the last.
  bool instance_final(int task, TaskState state);
  TaskState mapped_outcome(const Task& mapped) const;

  Decision decide(const Task& t, TriggerRule rule) const;
  void set_state(int task, TaskState state, std::vector<Transition>& out);
  // Records a final state and re-decides every downstream task, transitively.
  void settle(int task, TaskState state, std::vector<Transition>& out);
  void make_ready(int task);

  const Dag& dag_;
  std::vector<Task> tasks_;
  std::deque<int> ready_;
  std::vector<int> waiting_retry_;
  size_t terminal_count_ = 0;
  int running_ = 0;
  bool cancelled_ = false;
};

}  // namespace dagrun
