// Copies a file to a stream as it grows, from a thread of its own, until
// stopped: `dagrun test` shows a try's log on the terminal while the try
// writes it (every executor writes the log; none writes to our stdout).
#pragma once

#include <atomic>
#include <filesystem>
#include <ostream>
#include <thread>

namespace dagrun::cli {

class LogFollower {
 public:
  LogFollower(std::filesystem::path path, std::ostream& out);
  // Stops, after copying whatever the file holds by then.
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  void stop();

 private:
  void follow();
  // Copies what was added since the last call; false when the file is not there yet.
  bool copy_new();

  std::filesystem::path path_;
  std::ostream& out_;
  std::streamoff offset_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace dagrun::cli
