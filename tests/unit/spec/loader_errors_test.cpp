// One small DAG text per class of error, with the exact diagnostics it must produce.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "load_helpers.h"

using namespace dagrun;
using dagrun::test::errors_of;
using dagrun::test::joined;

namespace {

struct Case {
  const char* name;
  const char* text;
  std::vector<std::string> expected;
};

// Task objects are one per line so positions are easy to check by eye:
// line 1 is '{"dag_id": "d", "tasks": [' unless a case says otherwise.
const std::vector<Case> kCases = {
    {"malformed json", "{\"dag_id\": \"d\",\n \"tasks\": [\n  {\"task_id\": \"a\" \"command\": []}]}",
     {"t.json:3:19: error: invalid JSON: syntax error while parsing object - unexpected string "
      "literal; expected '}'"}},
    {"invalid literal points at its start", "{\"dag_id\": \"d\",\n \"catchup\": tru }",
     {"t.json:2:13: error: invalid JSON: syntax error while parsing value - invalid literal"}},
    {"control character in a string", "{\"dag_id\": \"a\tb\"}",
     {"t.json:1:14: error: invalid JSON: syntax error while parsing value - invalid string: "
      "control character U+0009 (HT) must be escaped to \\u0009 or \\t"}},
    {"truncated json", "{\"dag_id\": \"d\",\n",
     {"t.json:2:1: error: invalid JSON: syntax error while parsing object key - unexpected "
      "end of input; expected string literal"}},
    {"top level not an object", "\n  \"just a string\"",
     {"t.json:2:3: error: dag: the top level must be an object, got string"}},
    {"unknown dag key with suggestion",
     "{\"dag_id\": \"d\", \"catchpu\": true, \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:17: error: dag: unknown key 'catchpu' (did you mean 'catchup'?)"}},
    {"unknown dag key without suggestion",
     "{\"dag_id\": \"d\", \"owner\": \"me\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:17: error: dag: unknown key 'owner'"}},
    {"unknown task key", "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"upstrem\": []}]}",
     {"t.json:2:39: error: task 'a': unknown key 'upstrem' (did you mean 'upstream'?)"}},
    {"unknown default_args key",
     "{\"dag_id\": \"d\",\n\"default_args\": {\"retrys\": 1},\n\"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:2:18: error: default_args: unknown key 'retrys' (did you mean 'retries'?)"}},
    {"wrong types",
     "{\"dag_id\": \"d\", \"description\": 5, \"max_active_tasks\": 1.5, \"tasks\": [\n"
     "{\"task_id\": \"a\", \"command\": [\"true\", 3], \"retries\": true, \"env\": []}]}",
     {"t.json:1:32: error: dag: description must be a string, got 5",
      "t.json:1:55: error: dag: max_active_tasks must be a positive integer, got 1.5",
      "t.json:2:38: error: task 'a': command[1] must be a string, got 3",
      "t.json:2:53: error: task 'a': retries must be a non-negative integer, got boolean",
      "t.json:2:66: error: task 'a': env must be an object of strings, got array"}},
    {"integer too large",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"retries\": 3000000000}]}",
     {"t.json:2:50: error: task 'a': retries must be a non-negative integer no larger than "
      "1000, got 3000000000"}},
    {"integer beyond 64 bits signed",
     "{\"dag_id\": \"d\", \"max_active_runs\": 18446744073709551615, \"tasks\": [\n"
     "{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:36: error: dag: max_active_runs must be a positive integer no larger than "
      "100000, got 18446744073709551615"}},
    {"string command", "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": \"echo hi\"}]}",
     {"t.json:2:29: error: task 'a': command must be a list of arguments, not a string: use "
      "[\"echo\", \"hi\"] or [\"sh\", \"-c\", \"echo hi\"]"}},
    {"empty command", "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": []}]}",
     {"t.json:2:29: error: task 'a': command must not be empty"}},
    {"string upstream",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"b\", \"command\": [\"true\"], \"upstream\": \"a\"}]}",
     {"t.json:3:51: error: task 'b': upstream must be a list of task ids, not a string: use [\"a\"]"}},
    {"missing task_id", "{\"dag_id\": \"d\", \"tasks\": [\n  {\"command\": [\"true\"]}]}",
     {"t.json:2:3: error: tasks[0]: missing required key 'task_id'"}},
    {"duplicate task_id names the first line",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"b\", \"command\": [\"true\"]},\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:4:13: error: task 'a': duplicate task_id 'a' (first defined on line 2)"}},
    {"unknown upstream with suggestion",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"extract\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"load\", \"command\": [\"true\"], \"upstream\": [\"extract\", \"extrakt\", \"zzz\"]}]}",
     {"t.json:3:66: error: task 'load': unknown upstream 'extrakt' (did you mean 'extract'?)",
      "t.json:3:77: error: task 'load': unknown upstream 'zzz'"}},
    {"upstream naming a task whose id is invalid",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a b\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"c\", \"command\": [\"true\"], \"upstream\": [\"a b\"]}]}",
     {"t.json:2:13: error: tasks[0]: task_id 'a b' may contain only letters, digits, '_', '-' and '.'",
      "t.json:3:52: error: task 'c': unknown upstream 'a b'"}},
    {"a bad upstream list, then a task that is no object: each later list stays its own",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"b\", \"command\": [\"true\"], \"upstream\": [\"a\", 3]},\n"
     "7,\n"
     "{\"task_id\": \"d\", \"command\": [\"true\"], \"upstream\": [\"zz\", \"a\"]}]}",
     {"t.json:3:57: error: task 'b': upstream[1] must be a string, got 3",
      "t.json:4:1: error: tasks[2]: a task must be an object, got 7",
      "t.json:5:52: error: task 'd': unknown upstream 'zz'"}},
    {"self upstream",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"upstream\": [\"a\"]}]}",
     {"t.json:2:52: error: task 'a': lists itself as upstream"}},
    {"upstream listed twice",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]},\n"
     "{\"task_id\": \"b\", \"command\": [\"true\"], \"upstream\": [\"a\", \"a\"]}]}",
     {"t.json:3:57: error: task 'b': upstream 'a' is listed twice"}},
    {"cycle of three printed as a path from its first task",
     "{\"dag_id\": \"d\", \"tasks\": [\n"
     "{\"task_id\": \"x\", \"command\": [\"true\"], \"upstream\": [\"z\"]},\n"
     "{\"task_id\": \"y\", \"command\": [\"true\"], \"upstream\": [\"x\"]},\n"
     "{\"task_id\": \"z\", \"command\": [\"true\"], \"upstream\": [\"y\"]}]}",
     {"t.json:2:1: error: task 'x': dependency cycle: x -> y -> z -> x"}},
    {"no kind", "{\"dag_id\": \"d\", \"tasks\": [\n {\"task_id\": \"a\"}]}",
     {"t.json:2:2: error: task 'a': missing 'command', 'plugin' or 'container'; a task needs exactly one"}},
    {"two kinds, reported at the second",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"plugin\": \"noop\", \"command\": [\"true\"]}]}",
     {"t.json:2:36: error: task 'a': both 'plugin' and 'command' given; a task has exactly one of "
      "command, plugin or container"}},
    {"container key misspelt",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"container\": {\"image\": \"alpine\", \"comand\": \"x\"}}]}",
     {"t.json:2:51: error: task 'a': unknown container key 'comand' (did you mean 'command'?)"}},
    {"bad durations",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], "
     "\"retry_delay\": \"10 min\", \"max_retry_delay\": \"1y\", \"execution_timeout\": false}]}",
     {"t.json:2:54: error: task 'a': invalid retry_delay '10 min': unexpected space (write "
      "durations without spaces, such as 1h30m)",
      "t.json:2:83: error: task 'a': invalid max_retry_delay '1y': unknown unit 'y' (expected ms, "
      "s, m, h or d)",
      "t.json:2:110: error: task 'a': execution_timeout must be a duration such as \"30s\" or "
      "\"1h30m\", or a number of seconds, got boolean"}},
    {"bad byte size",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"plugin\": \"noop\", \"memory_limit\": -5}]}",
     {"t.json:2:52: error: task 'a': memory_limit must be a byte size such as \"512MiB\" or a "
      "non-negative number of bytes, got -5"}},
    {"bad trigger rule lists the valid ones",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"trigger_rule\": \"one_sucess\"}]}",
     {"t.json:2:55: error: task 'a': unknown trigger_rule 'one_sucess' (did you mean "
      "'one_success'?); expected one of all_success, all_failed, all_done, one_success, "
      "one_failed, none_failed, none_skipped, always"}},
    {"bad isolation",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"plugin\": \"noop\", \"isolation\": \"thread\"}]}",
     {"t.json:2:49: error: task 'a': unknown isolation 'thread'; expected process or in_process"}},
    {"bad cron",
     "{\"dag_id\": \"d\", \"schedule\": \"0 0 * * MON-FRY\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:29: error: dag: invalid schedule '0 0 * * MON-FRY': field 5 (day-of-week): unknown "
      "name 'FRY' (did you mean 'FRI'?)"}},
    {"schedule of the wrong type",
     "{\"dag_id\": \"d\", \"schedule\": 60, \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:29: error: dag: schedule must be a string, got 60"}},
    {"bad date and end before start",
     "{\"dag_id\": \"d\", \"start_date\": \"2025-13-01\", \"end_date\": 5, \"tasks\": [\n"
     "{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:31: error: dag: invalid start_date '2025-13-01': expected an ISO 8601 date such as "
      "\"2025-10-19\" or \"2025-10-19T06:00:00Z\"",
      "t.json:1:57: error: dag: end_date must be an ISO 8601 date string, got 5"}},
    {"end date before start date",
     "{\"dag_id\": \"d\", \"end_date\": \"2025-01-01\", \"start_date\": \"2025-06-01T12:00:00+02:00\", "
     "\"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:1:29: error: dag: end_date 2025-01-01T00:00:00.000Z is before start_date "
      "2025-06-01T10:00:00.000Z"}},
    {"unknown plugin",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"plugin\": \"fial\"}]}",
     {"t.json:2:28: error: task 'a': unknown plugin 'fial' (did you mean 'fail'?); known plugins: "
      "fail, noop, sleep"}},
    {"default_args refuses per-task keys, each saying why",
     "{\"dag_id\": \"d\",\n\"default_args\": {\"plugin\": \"noop\", \"upstream\": [], \"task_id\": \"t\"},\n"
     "\"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"]}]}",
     {"t.json:2:18: error: default_args: 'plugin' cannot be set in default_args: each task names "
      "its own command, plugin or container",
      "t.json:2:36: error: default_args: 'upstream' cannot be set in default_args: list upstream "
      "tasks on each task",
      "t.json:2:52: error: default_args: 'task_id' cannot be set in default_args: it names one task"}},
    {"errors in default_args are reported once",
     "{\"dag_id\": \"d\",\n\"default_args\": {\"retries\": \"two\"},\n\"tasks\": [\n"
     "{\"task_id\": \"a\", \"command\": [\"true\"]},\n{\"task_id\": \"b\", \"command\": [\"true\"]}]}",
     {"t.json:2:29: error: default_args: retries must be a non-negative integer, got string"}},
    {"plugin-only settings on a command task",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"memory_limit\": \"1g\"}]}",
     {"t.json:2:39: error: task 'a': 'memory_limit' has no effect on a command task (a command gets no "
      "memory limit; a container task has container.mem_limit)"}},
    {"keys given twice, at any depth",
     "{\"dag_id\": \"d\", \"dag_id\": \"e\", \"params\": {\"a\": 1, \"a\": 2}, \"tasks\": [\n"
     "{\"task_id\": \"t\", \"command\": [\"true\"], \"env\": {\"A\": \"1\", \"A\": \"2\"}}]}",
     {"t.json:1:17: error: dag: key 'dag_id' is given more than once",
      "t.json:1:51: error: params: key 'a' is given more than once",
      "t.json:2:57: error: task 't': key 'A' is given more than once"}},
    {"missing dag_id and tasks", "\n{}", {"t.json:2:1: error: dag: missing required key 'dag_id'",
                                       "t.json:2:1: error: dag: missing required key 'tasks'"}},
    {"tasks of the wrong shape", "{\"dag_id\": \"d\", \"tasks\": {}}",
     {"t.json:1:26: error: dag: tasks must be a list of tasks, got object"}},
    {"a task that is not an object", "{\"dag_id\": \"d\", \"tasks\": [\n  7]}",
     {"t.json:2:3: error: tasks[0]: a task must be an object, got 7"}},
    {"invalid env name",
     "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"], \"env\": {\"A=B\": \"1\"}}]}",
     {"t.json:2:47: error: task 'a': env name 'A=B' is not a valid variable name"}},
};

}  // namespace

TEST_CASE("every class of validation error has its exact position and message") {
  for (const Case& c : kCases) {
    std::string name = c.name;
    CAPTURE(name);
    CHECK(joined(errors_of(c.text)) == joined(c.expected));
  }
}

TEST_CASE("what a message quotes from the file cannot write to the terminal as itself") {
  const std::string esc = "\\u001b[2J";  // ESC as the file writes it, inside a JSON string
  const std::vector<std::string> lines = errors_of(
      "{\"dag_id\": \"d\", \"tasks\": [\n"
      "{\"task_id\": \"a\", \"command\": [\"true\"], \"up" + esc + "stream\": []},\n"
      "{\"task_id\": \"b\", \"command\": [\"true\"], \"upstream\": [\"a" + esc + "\", \"" +
      std::string(5000, 'y') + "\"]}]}");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("unknown key 'up\\x1b[2Jstream'") != std::string::npos);
  CHECK(lines[1].find("unknown upstream 'a\\x1b[2J'") != std::string::npos);
  // An unknown upstream is shown cut, not as the 5,000 bytes the file gave.
  CHECK(lines[2].find("'... (5000 bytes)") != std::string::npos);
  CHECK(lines[2].size() < 300);
  for (const std::string& l : lines) CHECK(l.find('\x1b') == std::string::npos);
}

TEST_CASE("a DAG with errors yields no Dag") {
  LoadResult r = load_dag_text("{\"dag_id\": \"d\", \"tasks\": [{\"task_id\": \"a\"}]}", "t.json", {});
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.dag.has_value());
  CHECK(r.diagnostics.size() == 1);
  CHECK(r.dag_id == "d");  // still known, for the folder's duplicate check
}

TEST_CASE("the plugin check is skipped without a list of known plugins") {
  const char* text = "{\"dag_id\": \"d\", \"tasks\": [{\"task_id\": \"a\", \"plugin\": \"anything\"}]}";
  CHECK(errors_of(text, LoadOptions{}).empty());
  std::vector<std::string> none;
  CHECK(errors_of(text, LoadOptions{&none}) ==
        std::vector<std::string>{"t.json:1:54: error: task 'a': unknown plugin 'anything'; no "
                                 "plugins are installed"});
}

TEST_CASE("errors come out in file order whatever pass found them") {
  // The cycle (found last) is on line 2, the unknown key (found first) on line 3.
  auto lines = errors_of(
      "{\"dag_id\": \"d\", \"tasks\": [\n"
      "{\"task_id\": \"a\", \"command\": [\"true\"], \"upstream\": [\"b\"]},\n"
      "{\"task_id\": \"b\", \"command\": [\"true\"], \"upstream\": [\"a\"], \"oops\": 1}]}");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "t.json:2:1: error: task 'a': dependency cycle: a -> b -> a");
  CHECK(lines[1] == "t.json:3:58: error: task 'b': unknown key 'oops'");
}

TEST_CASE("past a hundred errors, the rest are counted") {
  std::string text = "{\"dag_id\": \"d\", \"tasks\": [{\"task_id\": \"task\", \"command\": [\"true\"]}";
  for (int i = 0; i < 101; ++i)
    text += ",\n{\"task_id\": \"t" + std::to_string(i) + "\", \"command\": [\"true\"], \"upstream\": [\"tsk\"]}";
  text += "]}";
  auto lines = errors_of(text);
  REQUIRE(lines.size() == 101);
  CHECK(lines[99].ends_with("unknown upstream 'tsk' (did you mean 'task'?)"));
  CHECK(lines[100] == "t.json: error: 1 more error not shown (the first 100 are)");
}
