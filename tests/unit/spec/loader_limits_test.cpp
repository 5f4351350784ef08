// The bounds of model/limits.h: files that are too deep, too large, hold a NUL or
// ask for values whose arithmetic would overflow are refused with a position, and
// pathological files (one line, thousands of errors, huge objects) load with
// every error found but a bounded number printed.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/limits.h"
#include "spec/loader.h"
#include "load_helpers.h"
#include "temp_dir.h"

using namespace dagrun;
using dagrun::test::errors_of;
using dagrun::test::joined;

namespace {

// One task a on line 2; extra goes into the task object.
std::string one_task(const std::string& extra, const std::string& dag_extra = "") {
  return "{\"dag_id\": \"d\", " + dag_extra + "\"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]" +
         extra + "}]}";
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("nesting is refused at its first too-deep bracket, however deep the file") {
  const size_t limit = limits::kMaxDepth;
  // The root object is level 1 and params level 2: depth - 2 more arrays are allowed.
  std::string ok = one_task("", "\"params\": {\"p\": " + nested(limit - 2) + "}, ");
  CHECK(errors_of(ok).empty());

  std::string deep = one_task("", "\"params\": {\"p\": " + nested(limit - 1) + "}, ");
  const size_t column = deep.find('[') + 1 + (limit - 2);
  CHECK(joined(errors_of(deep)) == "t.json:1:" + std::to_string(column) +
                                       ": error: invalid JSON: nesting is deeper than 64 levels "
                                       "of objects and arrays\n");

  // Far deeper than any stack would take if something recursed, in a task and in a
  // file that is not even complete.
  for (const std::string& text :
       {one_task(", \"params\": " + nested(1'000'000)), "{\"tasks\": [" + std::string(500'000, '['),
        std::string(2'000'000, '[')}) {
    auto errors = errors_of(text);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("nesting is deeper than 64 levels") != std::string::npos);
  }
}

TEST_CASE("a NUL anywhere is refused where it stands") {
  // In an argument: "tr\u0000ue" would run "tr".
  CHECK(joined(errors_of(
            "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"tr\\u0000ue\"]}]}")) ==
        "t.json:2:30: error: task 'a': string contains a NUL character (\\u0000)\n");
  // In an env name and value, a param, a container field, the dag_id.
  CHECK(joined(errors_of(one_task(", \"env\": {\"A\\u0000B\": \"x\", \"C\": \"y\\u0000\"}"))) ==
        "t.json:2:47: error: task 'a': key contains a NUL character (\\u0000)\n"
        "t.json:2:69: error: task 'a': string contains a NUL character (\\u0000)\n");
  CHECK(joined(errors_of(one_task("", "\"params\": {\"deep\": [1, {\"x\": \"a\\u0000\"}]}, "))) ==
        "t.json:1:46: error: params: string contains a NUL character (\\u0000)\n");
  CHECK(joined(errors_of(one_task(", \"container\": {\"image\": \"i\\u0000\"}"))).find(
            "t.json:2:62: error: task 'a': string contains a NUL character") != std::string::npos);
  auto id = errors_of("{\"dag_id\": \"d\\u0000\", \"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"]}]}");
  REQUIRE(!id.empty());
  CHECK(id[0] == "t.json:1:12: error: dag: string contains a NUL character (\\u0000)");
  // A task that is itself a string with a NUL.
  CHECK(joined(errors_of("{\"dag_id\": \"d\", \"tasks\": [\n\"x\\u0000\"]}")).find(
            "t.json:2:1: error: tasks[0]: string contains a NUL character") != std::string::npos);
}

TEST_CASE("bytes after the document are refused, a NUL byte first of all") {
  const std::string valid = one_task("");
  CHECK(joined(errors_of(valid + std::string(1, '\0') + "garbage")) ==
        "t.json:2:40: error: invalid JSON: NUL byte in the file\n");
  CHECK(joined(errors_of(valid + std::string(1, '\0'))) ==
        "t.json:2:40: error: invalid JSON: NUL byte in the file\n");
  auto trailing = errors_of(valid + " {}");
  REQUIRE(trailing.size() == 1);
  CHECK(trailing[0].starts_with("t.json:2:41: error: invalid JSON: "));
  CHECK(trailing[0].find("expected end of input") != std::string::npos);
}

TEST_CASE("invalid UTF-8 and lone surrogates are refused") {
  for (const std::string& bad : {std::string("\xff"), std::string("\xc3"), std::string("\xed\xa0\x80"),
                                 std::string("\\ud800"), std::string("\xc0\xaf")}) {
    auto errors = errors_of(one_task(", \"env\": {\"A\": \"x" + bad + "y\"}"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].starts_with("t.json:2:"));
    CHECK(errors[0].find("invalid JSON: ") != std::string::npos);
  }
  CHECK(errors_of(one_task(", \"env\": {\"A\": \"\xc3\xa9\\u00e9\\ud83d\\ude00\"}")).empty());
}

TEST_CASE("files, strings, tasks and upstream lists are bounded") {
  auto too_big = errors_of(std::string(limits::kMaxFileBytes + 1, ' '));
  CHECK(joined(too_big) == "t.json: error: file is larger than 64 MiB (67108865 bytes)\n");

  // A sparse file: nothing is read to find it too large.
  testing::TempDir dir;
  const std::filesystem::path big = dir.path() / "big.json";
  std::ofstream(big).put('{');
  std::filesystem::resize_file(big, limits::kMaxFileBytes + 1);
  LoadResult r = load_dag_file(big, {});
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message ==
        "cannot read file: file is larger than 64 MiB (67108865 bytes)");

  const std::string long_arg(limits::kMaxStringBytes + 1, 'x');
  CHECK(joined(errors_of(one_task(", \"env\": {\"A\": \"" + long_arg + "\"}"))) ==
        "t.json:2:52: error: task 'a': string is longer than 1 MiB\n");
  CHECK(errors_of(one_task(", \"env\": {\"A\": \"" + long_arg.substr(1) + "\"}")).empty());

  std::string ups = "\"upstream\": [";
  for (size_t i = 0; i <= limits::kMaxUpstream; ++i) ups += (i ? ", \"a\"" : "\"a\"");
  CHECK(joined(errors_of("{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"command\": [\"true\"]},\n"
                         "{\"task_id\": \"b\", \"command\": [\"true\"], " + ups + "]}]}")) ==
        "t.json:3:51: error: task 'b': upstream lists 10001 tasks; at most 10000 are allowed\n");
}

TEST_CASE("more tasks than the limit are refused once") {
  std::string text = "{\"dag_id\": \"d\", \"tasks\": [";
  text.reserve(limits::kMaxTasks * 40);
  for (size_t i = 0; i <= limits::kMaxTasks; ++i)
    text += (i ? ",\n{\"task_id\": \"t" : "\n{\"task_id\": \"t") + std::to_string(i) +
            "\", \"command\": [\"true\"]}";
  text += "]}";
  CHECK(joined(errors_of(text)) == "t.json:" + std::to_string(limits::kMaxTasks + 2) +
                                       ":1: error: tasks: more than 500000 tasks\n");
}

TEST_CASE("thousands of errors on one line: the first hundred in order, then a count") {
  // The shape that once took 47 s: 100,000 tasks, each with an unknown key, on one line.
  std::string text = "{\"dag_id\": \"d\", \"tasks\": [";
  for (int i = 0; i < 100'000; ++i)
    text += (i ? ", {\"task_id\": \"t" : "{\"task_id\": \"t") + std::to_string(i) +
            "\", \"command\": [\"true\"], \"colour\": 1}";
  text += "]}";
  auto errors = errors_of(text);
  REQUIRE(errors.size() == limits::kMaxDiagnostics + 1);
  CHECK(errors[0] == "t.json:1:66: error: task 't0': unknown key 'colour'");
  CHECK(errors[1] == "t.json:1:119: error: task 't1': unknown key 'colour'");
  CHECK(errors[99].find("task 't99': unknown key 'colour'") != std::string::npos);
  CHECK(errors[100] == "t.json: error: 99900 more errors not shown (the first 100 are)");

  // Unknown upstream ids and repeated task ids by the thousand.
  std::string ups = "{\"dag_id\": \"d\", \"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"], \"upstream\": [";
  for (size_t i = 0; i < limits::kMaxUpstream; ++i) ups += (i ? ", \"u" : "\"u") + std::to_string(i) + "\"";
  ups += "]}";
  for (int i = 0; i < 20'000; ++i) ups += ", {\"task_id\": \"a\", \"command\": [\"true\"]}";
  ups += "]}";
  errors = errors_of(ups);
  REQUIRE(errors.size() == limits::kMaxDiagnostics + 1);
  CHECK(errors[0].find("task 'a': duplicate task_id 'a' (first defined on line 1)") != std::string::npos);
  CHECK(errors[100] == "t.json: error: 29900 more errors not shown (the first 100 are)");
}

TEST_CASE("an object with 100,000 keys loads, and a repeat among them is found") {
  std::string params = "{";
  for (int i = 0; i < 100'000; ++i) params += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": " + std::to_string(i);
  CHECK(errors_of(one_task("", "\"params\": " + params + "}, ")).empty());
  std::string repeated = params + ", \"k99999\": 0}";
  auto errors = errors_of(one_task("", "\"params\": " + repeated + ", "));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "t.json:1:" + std::to_string(repeated.rfind("\"k99999\"") + 27) +
                         ": error: params: key 'k99999' is given more than once");
}

TEST_CASE("durations are at most a year") {
  CHECK(errors_of(one_task(", \"execution_timeout\": \"365d\", \"retry_delay\": 31536000")).empty());
  CHECK(joined(errors_of(one_task(", \"execution_timeout\": \"110000d\", \"retry_delay\": \"90000d\", "
                                  "\"max_retry_delay\": \"365d1ms\", \"cpu_limit\": 1e300"))) ==
        "t.json:2:60: error: task 'a': invalid execution_timeout '110000d': duration is longer than 365d\n"
        "t.json:2:86: error: task 'a': invalid retry_delay '90000d': duration is longer than 365d\n"
        "t.json:2:115: error: task 'a': invalid max_retry_delay '365d1ms': duration is longer than 365d\n"
        "t.json:2:139: error: task 'a': invalid cpu_limit 1e+300: duration is too large\n");
  CHECK(joined(errors_of(one_task("", "\"default_args\": {\"retry_delay\": 31536001}, "))) ==
        "t.json:1:49: error: default_args: invalid retry_delay 31536001: duration is longer than 365d\n");
  CHECK(joined(errors_of(one_task(", \"retry_delay\": -1"))) ==
        "t.json:2:54: error: task 'a': invalid retry_delay -1: duration must not be negative\n");
}

TEST_CASE("dates are from 1970 to 2199") {
  CHECK(errors_of(one_task("", "\"start_date\": \"1970-01-01\", \"end_date\": \"2199-12-31T23:59:59Z\", ")).empty());
  CHECK(joined(errors_of(one_task("", "\"start_date\": \"2300-01-01\", \"end_date\": \"9999-12-31\", "))) ==
        "t.json:1:31: error: dag: invalid start_date '2300-01-01': the year must be from 1970 to 2199\n"
        "t.json:1:57: error: dag: invalid end_date '9999-12-31': the year must be from 1970 to 2199\n");
  CHECK(joined(errors_of(one_task("", "\"start_date\": \"1969-12-31T23:00:00-02:00\", "))) ==
        "t.json:1:31: error: dag: invalid start_date '1969-12-31T23:00:00-02:00': the year must be "
        "from 1970 to 2199\n");
}

TEST_CASE("counts and container resources are bounded") {
  CHECK(errors_of(one_task(", \"retries\": 1000", "\"max_active_tasks\": 100000, ")).empty());
  CHECK(joined(errors_of(one_task(", \"retries\": 1001", "\"max_active_runs\": 100001, "))) ==
        "t.json:1:36: error: dag: max_active_runs must be a positive integer no larger than 100000, "
        "got 100001\n"
        "t.json:2:50: error: task 'a': retries must be a non-negative integer no larger than 1000, "
        "got 1001\n");
  auto box = [](const std::string& fields) {
    return "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"container\": {\"image\": \"i\", " +
           fields + "}}]}";
  };
  // (The built-in policy allows less memory and fewer pids than these bounds.)
  CHECK(errors_of(box("\"cpus\": 1024, \"user\": 4294967294")).empty());
  CHECK(joined(errors_of(box("\"cpus\": 1e300"))) ==
        "t.json:2:54: error: task 'a': cpus must be a number greater than 0 and at most 1024, got 1e+300\n");
  CHECK(joined(errors_of(box("\"cpus\": -0.5"))) ==
        "t.json:2:54: error: task 'a': cpus must be a number greater than 0 and at most 1024, got -0.5\n");
  CHECK(joined(errors_of(box("\"pids_limit\": 4194305"))) ==
        "t.json:2:60: error: task 'a': pids_limit must be a positive integer no larger than 4194304, "
        "got 4194305\n");
  CHECK(joined(errors_of(box("\"mem_limit\": \"1025TiB\", \"shm_size\": 18446744073709551615"))) ==
        "t.json:2:59: error: task 'a': invalid mem_limit '1025TiB': byte size is larger than 1024TiB\n"
        "t.json:2:82: error: task 'a': invalid shm_size 18446744073709551615: byte size is larger "
        "than 1024TiB\n");
  CHECK(joined(errors_of(box("\"user\": 4294967295"))) ==
        "t.json:2:54: error: task 'a': user id 4294967295 is larger than 4294967294\n");
  CHECK(joined(errors_of("{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"plugin\": \"noop\", "
                         "\"memory_limit\": \"2000TiB\"}]}")) ==
        "t.json:2:52: error: task 'a': invalid memory_limit '2000TiB': byte size is larger than 1024TiB\n");
}
