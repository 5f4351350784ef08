// Which task keys have an effect on which kind of task: every key given on a task
// of every kind (and isolation), refused where it has no effect, and default_args
// giving each key to tasks of every kind without an error.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <string>

#include "spec/loader.h"
#include "spec/task_keys.h"
#include "load_helpers.h"
#include "task_support.h"
#include "model/container_spec.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;
using test::errors_of;
using test::joined;

namespace {

constexpr std::array kForms{TaskForm::command, TaskForm::process_plugin, TaskForm::in_process_plugin,
                            TaskForm::container};

// What the executors do with each key (engine/exec/, engine/run/), written out
// again here rather than read from the table it checks.
struct Expected {
  std::string_view key;
  std::string_view value;  // a valid value
  bool command, process_plugin, in_process_plugin, container;
  // The message's parenthesis where the key has no effect, by form.
  std::map<TaskForm, std::string_view> hints = {};

  bool has_effect(TaskForm f) const {
    switch (f) {
      case TaskForm::command: return command;
      case TaskForm::process_plugin: return process_plugin;
      case TaskForm::in_process_plugin: return in_process_plugin;
      case TaskForm::container: return container;
    }
    return false;
  }
};

const std::vector<Expected>& settings() {
  static const std::vector<Expected> rows{
      {"params", R"({"n": 1})", true, true, true, true},
      {"env", R"({"A": "1"})", true, true, true, true},
      {"retries", "2", true, true, true, true},
      {"retry_delay", R"("1s")", true, true, true, true},
      {"retry_exponential_backoff", "true", true, true, true, true},
      {"max_retry_delay", R"("1m")", true, true, true, true},
      {"execution_timeout", R"("1m")", true, true, true, true},
      {"trigger_rule", R"("all_done")", true, true, true, true},
      {"queue", R"("gpu")", true, true, true, true},
      {"on_failure", R"({"command": ["true"]})", true, true, true, true},
      {"on_retry", R"({"webhook": "http://hooks.test/x"})", true, true, true, true},
      {"on_success", R"([{"plugin": "noop"}])", true, true, true, true},
      {"pool", R"("api")", true, true, true, true},
      {"pool_slots", "2", true, true, true, true},
      {"priority_weight", "-5", true, true, true, true},
      {"cpu_limit", R"("2s")", true, true, false, false,
       {{TaskForm::in_process_plugin,
         "it runs inside the engine; use isolation \"process\" to limit its CPU time"},
        {TaskForm::container,
         "Docker limits a container's share of the CPUs, not its CPU time: use container.cpus, and "
         "execution_timeout to bound the try"}}},
      {"memory_limit", R"("64MiB")", false, true, false, false,
       {{TaskForm::command, "a command gets no memory limit; a container task has container.mem_limit"},
        {TaskForm::in_process_plugin,
         "it runs inside the engine; use isolation \"process\" to limit its memory"},
        {TaskForm::container, "use container.mem_limit"}}},
      {"isolation", R"("process")", false, true, true, false,
       {{TaskForm::command,
         "isolation says how a plugin runs; a command always runs in a process of its own"},
        {TaskForm::container, "isolation says how a plugin runs; Docker isolates a container"}}},
  };
  return rows;
}

LoadOptions options() {
  LoadOptions o = test::options_with_plugins();
  o.home = "/dagrun-test-home";
  return o;
}

// The keys that make a task of the form, after the key under test.
std::string form_keys(TaskForm f, std::string_view key) {
  switch (f) {
    case TaskForm::command: return R"("command": ["true"])";
    case TaskForm::process_plugin: return R"("plugin": "noop")";
    case TaskForm::in_process_plugin:
      return key == "isolation" ? R"("plugin": "noop")" : R"("plugin": "noop", "isolation": "in_process")";
    case TaskForm::container: return R"("container": {"image": "busybox"})";
  }
  return {};
}

// Task t on line 3, the key under test always at column 18.
std::string dag_with(TaskForm f, std::string_view key, std::string_view value,
                     std::string_view default_args = {}) {
  std::string text = R"({"dag_id": "d", )";
  if (!default_args.empty()) text += R"("default_args": )" + std::string(default_args) + ", ";
  text += "\"tasks\": [\n";
  text += R"({"task_id": "up", "command": ["true"]},)" "\n";
  text += R"({"task_id": "t", ")" + std::string(key) + "\": " + std::string(value) + ", " +
          form_keys(f, key) + "}]}";
  return text;
}

std::string value_for(const Expected& row, TaskForm f) {
  if (row.key == "isolation" && f == TaskForm::in_process_plugin) return R"("in_process")";
  return std::string(row.value);
}

std::string form_label(TaskForm f) { return std::string(task_form_name(f)); }

}  // namespace

TEST_CASE("the table of task keys says what the executors do with each key") {
  for (const Expected& row : settings()) {
    CAPTURE(row.key);
    auto key = parse_task_key(row.key);
    REQUIRE(key);
    CHECK(has_default(*key));
    for (TaskForm f : kForms) {
      CAPTURE(form_label(f));
      CHECK(has_effect(*key, f) == row.has_effect(f));
      CHECK(keys_with_effect(f).test(static_cast<size_t>(*key)) == row.has_effect(f));
      CHECK(no_effect_hint(*key, f).empty() == row.has_effect(f));
    }
  }
  // Identity, upstream, expand and the kind keys.
  for (std::string_view name : {"task_id", "upstream", "expand"})
    for (TaskForm f : kForms) CHECK(has_effect(*parse_task_key(name), f));
  CHECK(has_effect(TaskKey::command, TaskForm::command));
  CHECK(has_effect(TaskKey::plugin, TaskForm::process_plugin));
  CHECK(has_effect(TaskKey::plugin, TaskForm::in_process_plugin));
  CHECK(has_effect(TaskKey::container, TaskForm::container));
  CHECK_FALSE(has_effect(TaskKey::container, TaskForm::command));
  for (std::string_view name : {"task_id", "upstream", "command", "plugin", "expand"})
    CHECK_FALSE(has_default(*parse_task_key(name)));
  CHECK(has_default(TaskKey::container));
  // Every key of the table is one of these.
  CHECK(settings().size() + 6 == kTaskKeyCount);
}

TEST_CASE("a task's queue is a name with an id's rules, and default_args may give it") {
  auto r = load_dag_text(R"({"dag_id": "d", "default_args": {"queue": "etl"}, "tasks": [
{"task_id": "a", "command": ["true"]}, {"task_id": "b", "command": ["true"], "queue": "gpu.2"}]})",
                         "t.json", options());
  REQUIRE(r.dag);
  CHECK(r.dag->tasks[0].queue == "etl");
  CHECK(r.dag->tasks[1].queue == "gpu.2");
  for (const char* bad : {R"("")", R"("a b")", R"("../x")", R"(7)"}) {
    const std::string text = std::string(R"({"dag_id": "d", "tasks": [{"task_id": "a", "command": ["true"], "queue": )") +
                             bad + "}]}";
    CAPTURE(text);
    const auto errors = joined(errors_of(text, options()));
    CHECK(errors.find("queue") != std::string::npos);
  }
}

TEST_CASE("a key on a task is refused at its position where it has no effect, accepted where it has one") {
  for (const Expected& row : settings()) {
    for (TaskForm f : kForms) {
      const std::string text = dag_with(f, row.key, value_for(row, f));
      CAPTURE(text);
      if (row.has_effect(f)) {
        CHECK(joined(errors_of(text, options())) == "");
      } else {
        CHECK(joined(errors_of(text, options())) ==
              joined({"t.json:3:18: error: task 't': '" + std::string(row.key) + "' has no effect on " +
                      form_label(f) + " (" + std::string(row.hints.at(f)) + ")"}));
      }
    }
  }
}

TEST_CASE("the messages read as the user sees them") {
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "x", "plugin": "noop", "isolation": "in_process", "memory_limit": "1GiB"}]})")) ==
        joined({"t.json:2:63: error: task 'x': 'memory_limit' has no effect on an in_process plugin (it runs "
                "inside the engine; use isolation \"process\" to limit its memory)"}));
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "c", "container": {"image": "busybox"}, "cpu_limit": "10s"}]})",
                         options())) ==
        joined({"t.json:2:53: error: task 'c': 'cpu_limit' has no effect on a container task (Docker limits a "
                "container's share of the CPUs, not its CPU time: use container.cpus, and execution_timeout to "
                "bound the try)"}));
}

TEST_CASE("every key without an effect is reported, each at its own place") {
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "c", "container": {"image": "busybox"},
 "memory_limit": "1GiB", "cpu_limit": "1s", "isolation": "process", "retries": 1}]})",
                         options())) ==
        joined({"t.json:3:2: error: task 'c': 'memory_limit' has no effect on a container task (use "
                "container.mem_limit)",
                "t.json:3:26: error: task 'c': 'cpu_limit' has no effect on a container task (Docker limits a "
                "container's share of the CPUs, not its CPU time: use container.cpus, and execution_timeout to "
                "bound the try)",
                "t.json:3:45: error: task 'c': 'isolation' has no effect on a container task (isolation says how "
                "a plugin runs; Docker isolates a container)"}));
}

TEST_CASE("null on a task is still a key the task gives") {
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "x", "plugin": "noop", "isolation": "in_process", "cpu_limit": null}]})")) ==
        joined({"t.json:2:63: error: task 'x': 'cpu_limit' has no effect on an in_process plugin (it runs "
                "inside the engine; use isolation \"process\" to limit its CPU time)"}));
}

TEST_CASE("an isolation from default_args decides what a plugin's own keys do") {
  // The task's own limit has no effect once default_args makes it in_process.
  CHECK(joined(errors_of(R"({"dag_id": "d", "default_args": {"isolation": "in_process"}, "tasks": [
{"task_id": "x", "plugin": "noop", "memory_limit": "1GiB"}]})")) ==
        joined({"t.json:2:36: error: task 'x': 'memory_limit' has no effect on an in_process plugin, which "
                "default_args makes it (it runs inside the engine; use isolation \"process\" to limit its "
                "memory)"}));
  // default_args may come after the tasks.
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "x", "plugin": "noop", "cpu_limit": "1s"}],
"default_args": {"isolation": "in_process"}})")) ==
        joined({"t.json:2:36: error: task 'x': 'cpu_limit' has no effect on an in_process plugin, which "
                "default_args makes it (it runs inside the engine; use isolation \"process\" to limit its "
                "CPU time)"}));
  // Its own isolation wins, and with it the limits apply.
  LoadResult r = load_dag_text(R"({"dag_id": "d", "default_args": {"isolation": "in_process"}, "tasks": [
{"task_id": "x", "plugin": "noop", "isolation": "process", "memory_limit": "1GiB", "cpu_limit": "1s"}]})",
                               "t.json", test::options_with_plugins());
  REQUIRE(r.ok());
  CHECK(isolation_of(r.dag->tasks[0]) == Isolation::process);
  CHECK(memory_limit_of(r.dag->tasks[0]) == std::optional<std::uint64_t>(1ull << 30));
  CHECK(cpu_limit_of(r.dag->tasks[0]) == std::optional<Duration>(1s));
  // And the other way round: in_process on the task, process in default_args.
  CHECK(joined(errors_of(R"({"dag_id": "d", "default_args": {"isolation": "process"}, "tasks": [
{"task_id": "x", "plugin": "noop", "isolation": "in_process", "memory_limit": "1GiB"}]})")) ==
        joined({"t.json:2:63: error: task 'x': 'memory_limit' has no effect on an in_process plugin (it runs "
                "inside the engine; use isolation \"process\" to limit its memory)"}));
}

TEST_CASE("default_args give each key to the tasks it has an effect on, without errors for the others") {
  for (const Expected& row : settings()) {
    for (TaskForm f : kForms) {
      // The task gives retries itself, so the key under test is the only default.
      const std::string defaults = "{\"" + std::string(row.key) + "\": " + value_for(row, f) + "}";
      const std::string text = dag_with(f, "retries", "1", defaults);
      CAPTURE(text);
      CHECK(joined(errors_of(text, options())) == "");
    }
  }
}

TEST_CASE("a default is applied only where it has an effect") {
  auto load = [](const std::string& isolation) {
    LoadResult r = load_dag_text(R"({"dag_id": "d",
"default_args": {"isolation": ")" + isolation + R"(", "memory_limit": "1GiB", "cpu_limit": "5s",
                 "execution_timeout": "1h", "container": {"image": "busybox"}},
"tasks": [{"task_id": "cmd", "command": ["true"]},
          {"task_id": "plug", "plugin": "noop"},
          {"task_id": "box", "container": {}}]})",
                                 "t.json", options());
    INFO(joined([&] {
      std::vector<std::string> lines;
      for (const Diagnostic& d : r.diagnostics) lines.push_back(d.to_string());
      return lines;
    }()));
    REQUIRE(r.ok());
    return std::move(*r.dag);
  };
  for (const std::string isolation : {"process", "in_process"}) {
    CAPTURE(isolation);
    Dag dag = load(isolation);
    const TaskSpec& cmd = dag.tasks[0];
    const TaskSpec& plug = dag.tasks[1];
    const TaskSpec& box = dag.tasks[2];
    const bool in_process = isolation == "in_process";

    CHECK(isolation_of(cmd) == Isolation::process);
    CHECK_FALSE(memory_limit_of(cmd));
    CHECK(cpu_limit_of(cmd) == std::optional<Duration>(5s));
    CHECK(cmd.execution_timeout == std::optional<Duration>(1h));
    CHECK_FALSE(container_of(cmd));

    CHECK(isolation_of(plug) == (in_process ? Isolation::in_process : Isolation::process));
    CHECK(memory_limit_of(plug) == (in_process ? std::nullopt : std::optional<std::uint64_t>(1ull << 30)));
    CHECK(cpu_limit_of(plug) == (in_process ? std::nullopt : std::optional<Duration>(5s)));
    CHECK(plug.execution_timeout == std::optional<Duration>(1h));
    CHECK_FALSE(container_of(plug));

    CHECK(isolation_of(box) == Isolation::process);
    CHECK_FALSE(memory_limit_of(box));
    CHECK_FALSE(cpu_limit_of(box));
    CHECK(box.execution_timeout == std::optional<Duration>(1h));
    REQUIRE(container_of(box));
    CHECK(container_of(box)->image == "busybox");
  }
}

TEST_CASE("a default_args key that no kind of task has is an unknown key") {
  // Container keys belong in default_args' container object.
  CHECK(joined(errors_of(R"({"dag_id": "d", "default_args": {"image": "busybox", "cpus": 2},
"tasks": [{"task_id": "a", "command": ["true"]}]})")) ==
        joined({"t.json:1:34: error: default_args: unknown key 'image'",
                "t.json:1:54: error: default_args: unknown key 'cpus'"}));
}

TEST_CASE("a task without one kind gets only the error about its kind") {
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "a", "memory_limit": "1GiB", "isolation": "in_process"}]})")) ==
        joined({"t.json:2:1: error: task 'a': missing 'command', 'plugin' or 'container'; a task needs exactly "
                "one"}));
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "a", "command": ["true"], "plugin": "noop", "memory_limit": "1GiB"}]})")) ==
        joined({"t.json:2:39: error: task 'a': both 'command' and 'plugin' given; a task has exactly one of "
                "command, plugin or container"}));
}
