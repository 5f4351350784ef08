#include "exec/try_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <system_error>

#include "dag/iso_time.h"

namespace dagrun {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warn: return "WARN";
    case LogLevel::error: return "ERROR";
  }
  return "INFO";
}

TryLog::~TryLog() {
  if (fd_ >= 0) ::close(fd_);
}

int TryLog::fd() {
  std::lock_guard lock(mu_);
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("cannot open log file " + path_.string() + ": " +
                               std::error_code(errno, std::generic_category()).message());
  }
  return fd_;
}

void TryLog::write_line(LogLevel level, std::string_view message) {
  try {
    std::string line = format_iso8601(std::chrono::system_clock::now());
    line += ' ';
    line += to_string(level);
    line += ' ';
    for (char c : message) {
      if (c == '\r') continue;
      line += c;
      if (c == '\n') line += "    ";
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\n')) line.pop_back();
    line += '\n';
    write_all(fd(), line);
  } catch (...) {
    // A log line is never worth failing the try over.
  }
}

void TryLog::append(std::string_view bytes) {
  if (bytes.empty()) return;
  try {
    write_all(fd(), bytes);
  } catch (...) {
    // As above: losing output is better than failing the try.
  }
}

void TryLog::write_all(int out, std::string_view rest) {
  std::lock_guard lock(mu_);
  while (!rest.empty()) {
    ssize_t n = ::write(out, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

std::vector<std::string> tail_lines(const std::filesystem::path& path, std::size_t max_lines,
                                    std::size_t max_width) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  constexpr off_t kWindow = 8192;
  off_t size = ::lseek(fd, 0, SEEK_END);
  off_t window_start = size > kWindow ? size - kWindow : 0;
  std::string text(static_cast<size_t>(size - window_start), '\0');
  ssize_t n = size > 0 ? ::pread(fd, text.data(), text.size(), window_start) : 0;
  ::close(fd);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);

  std::vector<std::string> lines;
  size_t end = text.size();
  while (end > 0 && lines.size() < max_lines) {
    size_t start = text.rfind('\n', end - 1);
    size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = text.substr(from, end - from);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) {
      if (line.size() > max_width) line = line.substr(0, max_width) + "...";
      lines.push_back(std::move(line));
    }
    if (start == std::string::npos) break;
    end = start;
  }
  return {lines.rbegin(), lines.rend()};
}

}  // namespace dagrun
