// The follower `dagrun test` streams a try's log with: it copies what is
// written while it runs, waits for a file that is not there yet, and copies
// the last bytes on stop.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "cli/log_follower.h"

using namespace dagrun::cli;

namespace {

// Waits up to 10 s for the stream to hold `text`.
bool eventually_holds(const std::ostringstream& out, const std::string& text) {
  for (int i = 0; i < 1000; ++i) {
    if (out.str() == text) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("the log follower copies a file as it grows and the rest on stop") {
  const auto dir = std::filesystem::temp_directory_path() / ("dagrun-follow-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "try.log";
  std::ostringstream out;
  {
    LogFollower follower(path, out);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // no file yet: nothing, no error
    CHECK(out.str().empty());
    std::ofstream log(path, std::ios::binary);
    log << "first line\n" << std::flush;
    CHECK(eventually_holds(out, "first line\n"));  // while it runs, not only at the end
    log << "second" << std::flush;
    follower.stop();
    CHECK(out.str() == "first line\nsecond");
    log << " after stop" << std::flush;
  }
  CHECK(out.str() == "first line\nsecond");
  std::filesystem::remove_all(dir);
}
