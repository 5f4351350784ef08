// The follower `dagrun test` streams a try's log with: it copies what is
// written while it runs, waits for a file that is not there yet, and copies
// the last bytes on stop.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <unistd.h>

#include "cli/log_follower.h"

using namespace dagrun::cli;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits up to 10 s for the file to hold `text`. The follower writes to a
// file, read here through a stream of our own: reading the follower's own
// stream while its thread writes to it would be the test's data race.
bool eventually_holds(const std::filesystem::path& p, const std::string& text) {
  for (int i = 0; i < 1000; ++i) {
    if (read_file(p) == text) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("the log follower copies a file as it grows and the rest on stop") {
  const auto dir = std::filesystem::temp_directory_path() / ("dagrun-follow-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "try.log";
  const auto copy = dir / "copy";
  {
    std::ofstream out(copy, std::ios::binary);
    LogFollower follower(path, out);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // no file yet: nothing, no error
    CHECK(read_file(copy).empty());
    std::ofstream log(path, std::ios::binary);
    log << "first line\n" << std::flush;
    CHECK(eventually_holds(copy, "first line\n"));  // while it runs, not only at the end
    log << "second" << std::flush;
    follower.stop();
    CHECK(read_file(copy) == "first line\nsecond");
    log << " after stop" << std::flush;
  }
  CHECK(read_file(copy) == "first line\nsecond");
  std::filesystem::remove_all(dir);
}
