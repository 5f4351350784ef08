#include <doctest/doctest.h>

#include <cerrno>
#include <regex>
#include <system_error>

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

TEST_CASE("a log that cannot be written says so: the error, what was written and what was lost") {
  // /dev/full refuses every write with ENOSPC, like a full disk.
  {
    TryLog log("/dev/full");
    log.append("0123456789");
    log.write_line(LogLevel::info, "also lost");
    log.append("abc");
    CHECK(log.error().starts_with(std::error_code(ENOSPC, std::generic_category()).message() +
                                  ": 0 bytes written, "));
  }
  std::string why = take_log_error("/dev/full");
  CHECK(why.starts_with(std::error_code(ENOSPC, std::generic_category()).message()));
  CHECK(why.ends_with(" bytes lost"));
  CHECK_FALSE(why.ends_with(": 0 bytes written, 0 bytes lost"));
  CHECK(take_log_error("/dev/full").empty());  // taken once
}

TEST_CASE("a log file that cannot be created loses everything, and says so") {
  {
    TryLog log("/nonexistent-dir/try.log");
    log.append("0123456789");
    log.append("abc");
  }
  CHECK(take_log_error("/nonexistent-dir/try.log") ==
        "cannot create the file: " + std::error_code(ENOENT, std::generic_category()).message() +
            ": 0 bytes written, 13 bytes lost");
}

TEST_CASE("a complete log reports no error") {
  TempDir dir;
  {
    TryLog log(dir.path() / "try.log");
    log.append("all of it\n");
    CHECK(log.error().empty());
  }
  CHECK(take_log_error(dir.path() / "try.log").empty());
  CHECK(read_file(dir.path() / "try.log") == "all of it\n");
}
