#include <doctest/doctest.h>

#include <regex>

#include "exec_test_support.h"
#include "exec/try_log.h"

using namespace dagrun;
using namespace dagrun::testing;

TEST_CASE("log lines carry a UTC timestamp and a level") {
  TempDir dir;
  {
    TryLog log(dir.path() / "try.log");
    log.write_line(LogLevel::warn, "disk almost full");
    log.write_line(LogLevel::info, "first\nsecond");
  }
  auto text = read_file(dir.path() / "try.log");
  std::regex shape(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN disk almost full\n)"
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO first\n    second\n)");
  CHECK(std::regex_match(text, shape));
}

TEST_CASE("a try log that nothing was written to is not created") {
  TempDir dir;
  { TryLog log(dir.path() / "try.log"); }
  CHECK_FALSE(std::filesystem::exists(dir.path() / "try.log"));
}

TEST_CASE("an unwritable log path is an error naming the file") {
  TryLog log("/nonexistent-dir/try.log");
  CHECK_THROWS_WITH_AS(log.fd(), doctest::Contains("/nonexistent-dir/try.log"), std::runtime_error);
  log.write_line(LogLevel::info, "dropped, not thrown");
}

TEST_CASE("tail_lines returns the last non-empty lines, shortened") {
  TempDir dir;
  auto path = dir.path() / "out.log";
  { std::ofstream(path) << "one\ntwo\n\nthree\n" << std::string(300, 'x') << "\n\n"; }
  auto tail = tail_lines(path, 2, 10);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0] == "three");
  CHECK(tail[1] == "xxxxxxxxxx...");
  CHECK(tail_lines(dir.path() / "missing.log", 3).empty());
}
