#include "cli/log_follower.h"

#include <chrono>
#include <fstream>

namespace dagrun::cli {

LogFollower::LogFollower(std::filesystem::path path, std::ostream& out)
    : path_(std::move(path)), out_(out), thread_([this] { follow(); }) {}

LogFollower::~LogFollower() { stop(); }

void LogFollower::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  copy_new();  // what the try wrote last, after the thread's last look
  out_.flush();
}

void LogFollower::follow() {
  // Polling: the log is a plain file another process appends to, and a
  // tenth of a second is as live as a person reading it needs.
  while (!stopping_) {
    copy_new();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool LogFollower::copy_new() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return false;
  in.seekg(offset_);
  char buffer[64 * 1024];
  bool wrote = false;
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    out_.write(buffer, in.gcount());
    offset_ += in.gcount();
    wrote = true;
  }
  if (wrote) out_.flush();
  return true;
}

}  // namespace dagrun::cli
