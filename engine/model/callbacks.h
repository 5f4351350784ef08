// What a DAG or a task does when something happens to it (docs/callbacks.md):
// on_failure, on_retry and on_success, each a list of actions, each a
// command, a plugin or a webhook.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time_types.h"

namespace dagrun {

struct TaskSpec;

// The order is the order of the keys (on_failure, on_retry, on_success,
// on_deadline). deadline is a run's only: it is not done by its DAG's
// deadline (DeadlineSpec).
enum class CallbackEvent { failure, retry, success, deadline };
constexpr size_t kCallbackEventCount = 4;

// "failure", "retry", "success", "deadline": the event as the history records it.
std::string_view to_string(CallbackEvent e);
std::optional<CallbackEvent> parse_callback_event(std::string_view s);
// "on_failure", "on_retry", "on_success", "on_deadline": the key that declares it.
std::string_view callback_key(CallbackEvent e);

// One action. A command or a plugin runs as a task of that kind would (its
// executor, its log file, its limits), bounded by `timeout`; a webhook is a
// POST of the event as JSON.
struct CallbackAction {
  // The command or plugin as a task: its action, env and params. Null for a
  // webhook. Shared: default_args gives the same list to every task.
  std::shared_ptr<const TaskSpec> task;
  std::string webhook;  // an http:// or https:// URL
  Duration timeout = std::chrono::seconds(60);
};

using CallbackList = std::vector<CallbackAction>;

// A task's or a DAG's lists, by event; null where none is declared.
struct Callbacks {
  std::shared_ptr<const CallbackList> on[kCallbackEventCount];

  const CallbackList* of(CallbackEvent e) const { return on[static_cast<size_t>(e)].get(); }
  size_t count(CallbackEvent e) const {
    const CallbackList* list = of(e);
    return list ? list->size() : 0;
  }
};

// When a run must be done by (a DAG's `deadline`): `after` past one of its
// times. A run not done by then sets off the DAG's on_deadline once.
struct DeadlineSpec {
  enum class From { data_interval_end, logical_date, queued_at };
  From from = From::data_interval_end;
  Duration after{};
};

std::string_view to_string(DeadlineSpec::From from);
std::optional<DeadlineSpec::From> parse_deadline_from(std::string_view s);

}  // namespace dagrun
