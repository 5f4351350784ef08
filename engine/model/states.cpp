#include "model/states.h"

#include <array>
#include <utility>

namespace dagrun {
namespace {

template <typename E, size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<TaskState, 7> kTaskStates{{
    {TaskState::queued, "queued"},
    {TaskState::running, "running"},
    {TaskState::success, "success"},
    {TaskState::failed, "failed"},
    {TaskState::up_for_retry, "up_for_retry"},
    {TaskState::upstream_failed, "upstream_failed"},
    {TaskState::skipped, "skipped"},
}};

constexpr Names<RunState, 4> kRunStates{{
    {RunState::queued, "queued"},
    {RunState::running, "running"},
    {RunState::success, "success"},
    {RunState::failed, "failed"},
}};

constexpr Names<TriggerRule, 8> kTriggerRules{{
    {TriggerRule::all_success, "all_success"},
    {TriggerRule::all_failed, "all_failed"},
    {TriggerRule::all_done, "all_done"},
    {TriggerRule::one_success, "one_success"},
    {TriggerRule::one_failed, "one_failed"},
    {TriggerRule::none_failed, "none_failed"},
    {TriggerRule::none_skipped, "none_skipped"},
    {TriggerRule::always, "always"},
}};

template <typename E, size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [e, n] : names)
    if (e == value) return n;
  return "?";
}

template <typename E, size_t N>
std::optional<E> parse_name(const Names<E, N>& names, std::string_view s) {
  for (const auto& [e, n] : names)
    if (n == s) return e;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TaskState s) { return name_of(kTaskStates, s); }
std::string_view to_string(RunState s) { return name_of(kRunStates, s); }
std::string_view to_string(TriggerRule r) { return name_of(kTriggerRules, r); }

std::optional<TaskState> parse_task_state(std::string_view s) { return parse_name(kTaskStates, s); }
std::optional<RunState> parse_run_state(std::string_view s) { return parse_name(kRunStates, s); }
std::optional<TriggerRule> parse_trigger_rule(std::string_view s) { return parse_name(kTriggerRules, s); }

bool is_terminal(TaskState s) {
  return s == TaskState::success || s == TaskState::failed || s == TaskState::upstream_failed ||
         s == TaskState::skipped;
}

bool is_terminal(RunState s) { return s == RunState::success || s == RunState::failed; }

std::string_view trigger_rule_names() {
  return "all_success, all_failed, all_done, one_success, one_failed, none_failed, "
         "none_skipped, always";
}

}  // namespace dagrun
