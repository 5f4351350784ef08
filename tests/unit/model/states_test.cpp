#include <doctest/doctest.h>

#include "model/states.h"

using namespace dagrun;

TEST_CASE("task states round-trip through their names") {
  for (auto s : {TaskState::queued, TaskState::running, TaskState::success, TaskState::failed,
                 TaskState::up_for_retry, TaskState::upstream_failed, TaskState::skipped}) {
    auto parsed = parse_task_state(to_string(s));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == s);
  }
  CHECK_FALSE(parse_task_state("done").has_value());
}

TEST_CASE("trigger rules parse every documented spelling") {
  CHECK(parse_trigger_rule("one_failed") == TriggerRule::one_failed);
  CHECK(parse_trigger_rule("none_skipped") == TriggerRule::none_skipped);
  CHECK_FALSE(parse_trigger_rule("all_sucess").has_value());
}

TEST_CASE("terminal states") {
  CHECK(is_terminal(TaskState::upstream_failed));
  CHECK_FALSE(is_terminal(TaskState::up_for_retry));
  CHECK_FALSE(is_terminal(RunState::running));
  CHECK(is_terminal(RunState::failed));
}
