#include "run/run_machine.h"

#include <algorithm>
#include <cassert>

namespace dagrun {

Duration retry_delay_after(const TaskSpec& task, int try_number) {
  Duration delay = task.retry_delay;
  if (task.retry_exponential_backoff) {
    // Doubling stops once the cap (or a day, without one) is reached, so large
    // try numbers cannot overflow.
    const Duration cap = task.max_retry_delay.value_or(std::chrono::hours(24));
    for (int i = 1; i < try_number && delay < cap; ++i) delay *= 2;
  }
  if (task.max_retry_delay && delay > *task.max_retry_delay) delay = *task.max_retry_delay;
  return delay;
}

RunMachine::RunMachine(const Dag& dag) : dag_(dag), tasks_(dag.tasks.size()) {
  for (size_t i = 0; i < dag.tasks.size(); ++i) {
    tasks_[i].max_tries = dag.tasks[i].retries + 1;
    for (std::uint32_t u : dag.tasks[i].upstream) {
      assert(u < dag.tasks.size());
      tasks_[u].downstream.push_back(static_cast<int>(i));
      ++tasks_[i].n_upstream;
    }
  }
}

RunMachine::Decision RunMachine::decide(const Task& t, TriggerRule rule) const {
  // Airflow's trigger rule semantics; a task with no upstream always runs.
  if (t.n_upstream == 0 || rule == TriggerRule::always) return Decision::run;
  const bool all_done = t.n_success + t.n_failed + t.n_skipped == t.n_upstream;
  switch (rule) {
    case TriggerRule::all_success:
      if (t.n_failed > 0) return Decision::upstream_failed;
      if (t.n_skipped > 0) return Decision::skip;
      return all_done ? Decision::run : Decision::wait;
    case TriggerRule::all_failed:
      if (t.n_success > 0 || t.n_skipped > 0) return Decision::skip;
      return all_done ? Decision::run : Decision::wait;
    case TriggerRule::all_done:
      return all_done ? Decision::run : Decision::wait;
    case TriggerRule::one_success:
      if (t.n_success > 0) return Decision::run;
      if (!all_done) return Decision::wait;
      return t.n_skipped == t.n_upstream ? Decision::skip : Decision::upstream_failed;
    case TriggerRule::one_failed:
      if (t.n_failed > 0) return Decision::run;
      return all_done ? Decision::skip : Decision::wait;
    case TriggerRule::none_failed:
      if (t.n_failed > 0) return Decision::upstream_failed;
      return all_done ? Decision::run : Decision::wait;
    case TriggerRule::none_skipped:
      if (t.n_skipped > 0) return Decision::skip;
      return all_done ? Decision::run : Decision::wait;
    case TriggerRule::always:
      return Decision::run;
  }
  return Decision::wait;
}

void RunMachine::start(std::vector<Transition>& out) {
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const int task = static_cast<int>(i);
    if (decide(tasks_[i], dag_.tasks[i].trigger_rule) == Decision::run) make_ready(task);
  }
  (void)out;  // starting changes no state: every task is already queued
}

void RunMachine::restore(const std::vector<TaskSnapshot>& snapshot, std::vector<Transition>& out) {
  assert(snapshot.size() == tasks_.size());
  for (size_t i = 0; i < tasks_.size(); ++i) {
    Task& t = tasks_[i];
    const TaskSnapshot& s = snapshot[i];
    t.try_number = s.try_number;
    // Tries given back by interruptions are kept; a DAG file that now allows
    // more retries is honoured.
    t.max_tries = std::max(t.max_tries, s.max_tries);
    t.state = s.state == TaskState::running ? TaskState::queued : s.state;
    if (t.state == TaskState::up_for_retry) {
      t.retry_at = s.retry_at;
      t.decided = true;
      waiting_retry_.push_back(static_cast<int>(i));
    }
    if (!is_terminal(t.state)) continue;
    ++terminal_count_;
    for (int d : t.downstream) {
      Task& down = tasks_[static_cast<size_t>(d)];
      if (t.state == TaskState::success) ++down.n_success;
      else if (t.state == TaskState::skipped) ++down.n_skipped;
      else ++down.n_failed;
    }
  }
  // Queued tasks are decided now that the tallies are whole; what a decision
  // settles cascades as during a run.
  for (size_t i = 0; i < tasks_.size(); ++i) {
    Task& t = tasks_[i];
    if (t.state != TaskState::queued || t.decided) continue;
    switch (decide(t, dag_.tasks[i].trigger_rule)) {
      case Decision::wait: break;
      case Decision::run: make_ready(static_cast<int>(i)); break;
      case Decision::skip: t.state = TaskState::skipped; settle(static_cast<int>(i), TaskState::skipped, out); break;
      case Decision::upstream_failed:
        t.state = TaskState::upstream_failed;
        settle(static_cast<int>(i), TaskState::upstream_failed, out);
        break;
    }
  }
}

const TaskSpec& RunMachine::spec_of(int task) const {
  const int parent = tasks_[static_cast<size_t>(task)].parent;
  return dag_.tasks[static_cast<size_t>(parent >= 0 ? parent : task)];
}

bool RunMachine::is_mapped(int task) const {
  return static_cast<size_t>(task) < dag_.tasks.size() && dag_.tasks[static_cast<size_t>(task)].expand != nullptr;
}

int RunMachine::expand(int task, const std::vector<TaskSnapshot>& instances, std::vector<Transition>& out) {
  assert(is_mapped(task));
  const int first = static_cast<int>(tasks_.size());
  if (instances.empty()) {
    settle(task, TaskState::skipped, out);
    return first;
  }
  const int max_tries = tasks_[static_cast<size_t>(task)].max_tries;
  tasks_[static_cast<size_t>(task)].state = TaskState::running;  // not announced: it has no try
  tasks_[static_cast<size_t>(task)].decided = true;
  tasks_.reserve(tasks_.size() + instances.size());
  for (const TaskSnapshot& s : instances) {
    const int i = static_cast<int>(tasks_.size());
    Task& t = tasks_.emplace_back();
    t.parent = task;
    t.max_tries = std::max(max_tries, s.max_tries);
    t.try_number = s.try_number;
    t.state = s.state == TaskState::running ? TaskState::queued : s.state;
    t.decided = true;
    if (is_terminal(t.state)) {
      ++terminal_count_;
      Task& m = tasks_[static_cast<size_t>(task)];
      if (t.state == TaskState::success) m.instance_succeeded = true;
      else if (t.state != TaskState::skipped) m.instance_failed = true;
      continue;
    }
    ++tasks_[static_cast<size_t>(task)].instances_left;
    if (t.state == TaskState::up_for_retry) {
      t.retry_at = s.retry_at;
      waiting_retry_.push_back(i);
    } else {
      out.push_back({i, TaskState::queued, t.try_number});  // its row in the history
      ready_.push_back(i);
    }
  }
  // A resumed run whose instances had all ended.
  Task& m = tasks_[static_cast<size_t>(task)];
  if (m.instances_left == 0) {
    m.state = TaskState::queued;
    settle(task, mapped_outcome(m), out);
  }
  return first;
}

void RunMachine::fail_expansion(int task, std::vector<Transition>& out) {
  ++tasks_[static_cast<size_t>(task)].try_number;
  settle(task, TaskState::failed, out);
}

TaskState RunMachine::mapped_outcome(const Task& mapped) const {
  if (mapped.instance_failed) return TaskState::failed;
  return mapped.instance_succeeded ? TaskState::success : TaskState::skipped;
}

bool RunMachine::instance_final(int task, TaskState state) {
  Task& m = tasks_[static_cast<size_t>(tasks_[static_cast<size_t>(task)].parent)];
  if (state == TaskState::success) m.instance_succeeded = true;
  else if (state != TaskState::skipped) m.instance_failed = true;
  return --m.instances_left == 0;
}

void RunMachine::make_ready(int task) {
  tasks_[static_cast<size_t>(task)].decided = true;
  ready_.push_back(task);
}

int RunMachine::pop_ready() {
  int task = ready_.front();
  ready_.pop_front();
  return task;
}

void RunMachine::set_state(int task, TaskState state, std::vector<Transition>& out) {
  Task& t = tasks_[static_cast<size_t>(task)];
  t.state = state;
  out.push_back({task, state, t.try_number});
}

void RunMachine::mark_running(int task, std::vector<Transition>& out) {
  ++tasks_[static_cast<size_t>(task)].try_number;
  ++running_;
  set_state(task, TaskState::running, out);
}

void RunMachine::finish_try(int task, TryResult result, TimePoint now,
                            std::vector<Transition>& out) {
  Task& t = tasks_[static_cast<size_t>(task)];
  assert(t.state == TaskState::running);
  --running_;
  switch (result) {
    case TryResult::success: settle(task, TaskState::success, out); return;
    case TryResult::skipped: settle(task, TaskState::skipped, out); return;
    case TryResult::failed_no_retry: settle(task, TaskState::failed, out); return;
    case TryResult::failed:
      if (!cancelled_ && t.try_number < t.max_tries) {
        t.retry_at = now + retry_delay_after(spec_of(task), t.try_number);
        waiting_retry_.push_back(task);
        set_state(task, TaskState::up_for_retry, out);
      } else {
        settle(task, TaskState::failed, out);
      }
      return;
    case TryResult::interrupted:
      if (cancelled_) {
        settle(task, TaskState::failed, out);
        return;
      }
      // Not the task's fault: the try is given back, and the task waits to
      // run again as if it had not started (it stays decided).
      ++t.max_tries;
      set_state(task, TaskState::queued, out);
      ready_.push_back(task);
      return;
  }
}

void RunMachine::settle(int first, TaskState first_state, std::vector<Transition>& out) {
  // A worklist, not recursion: a skip can cascade down a 100,000-task chain.
  std::vector<std::pair<int, TaskState>> work{{first, first_state}};
  while (!work.empty()) {
    auto [task, state] = work.back();
    work.pop_back();
    set_state(task, state, out);
    ++terminal_count_;
    if (const int parent = tasks_[static_cast<size_t>(task)].parent; parent >= 0) {
      if (instance_final(task, state)) work.emplace_back(parent, mapped_outcome(tasks_[static_cast<size_t>(parent)]));
      continue;  // an instance has no downstream of its own
    }
    for (int d : tasks_[static_cast<size_t>(task)].downstream) {
      Task& down = tasks_[static_cast<size_t>(d)];
      if (state == TaskState::success) ++down.n_success;
      else if (state == TaskState::skipped) ++down.n_skipped;
      else ++down.n_failed;
      if (down.state != TaskState::queued || down.decided) continue;
      switch (decide(down, dag_.tasks[static_cast<size_t>(d)].trigger_rule)) {
        case Decision::wait: break;
        case Decision::run: make_ready(d); break;
        case Decision::skip:
          down.state = TaskState::skipped;  // claimed now so it is queued only once
          work.emplace_back(d, TaskState::skipped);
          break;
        case Decision::upstream_failed:
          down.state = TaskState::upstream_failed;
          work.emplace_back(d, TaskState::upstream_failed);
          break;
      }
    }
  }
}

void RunMachine::release_due_retries(TimePoint now, std::vector<Transition>& out) {
  auto due = [&](int task) { return tasks_[static_cast<size_t>(task)].retry_at <= now; };
  for (int task : waiting_retry_) {
    if (!due(task)) continue;
    set_state(task, TaskState::queued, out);
    make_ready(task);
  }
  std::erase_if(waiting_retry_, due);
}

std::optional<TimePoint> RunMachine::next_retry_at() const {
  std::optional<TimePoint> next;
  for (int task : waiting_retry_) {
    TimePoint at = tasks_[static_cast<size_t>(task)].retry_at;
    if (!next || at < *next) next = at;
  }
  return next;
}

void RunMachine::cancel_pending(std::vector<Transition>& out) {
  cancelled_ = true;
  ready_.clear();
  waiting_retry_.clear();
  std::vector<int> mapped_done;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    Task& t = tasks_[i];
    if (t.state == TaskState::queued || t.state == TaskState::up_for_retry) {
      set_state(static_cast<int>(i), TaskState::skipped, out);
      ++terminal_count_;
      if (t.parent >= 0 && instance_final(static_cast<int>(i), TaskState::skipped)) mapped_done.push_back(t.parent);
    }
  }
  // A mapped task whose instances were all waiting ends with them; one with
  // an instance still running ends when that try reports (settle).
  for (int m : mapped_done) {
    set_state(m, mapped_outcome(tasks_[static_cast<size_t>(m)]), out);
    ++terminal_count_;
  }
}

RunState RunMachine::outcome() const {
  if (cancelled_) return RunState::failed;
  for (const Task& t : tasks_) {
    // An instance is not a leaf: its mapped task stands for it.
    if (!t.downstream.empty() || t.parent >= 0) continue;
    if (t.state == TaskState::failed || t.state == TaskState::upstream_failed) return RunState::failed;
  }
  return RunState::success;
}

}  // namespace dagrun
