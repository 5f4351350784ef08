#include "exec/try_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <system_error>

#include "model/iso_time.h"

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

namespace {

// Errors of closed logs whose try has not been recorded yet. Tiny: an entry
// lives from the end of a try's executor to the record of its end.
std::mutex g_errors_mu;
std::map<std::string, std::string> g_errors;

}  // namespace

std::string take_log_error(const std::filesystem::path& path) {
  std::lock_guard lock(g_errors_mu);
  auto it = g_errors.find(path.string());
  if (it == g_errors.end()) return {};
  std::string out = std::move(it->second);
  g_errors.erase(it);
  return out;
}

TryLog::~TryLog() {
  fd_.reset();
  std::string why = error();
  std::lock_guard lock(g_errors_mu);
  if (why.empty())
    g_errors.erase(path_.string());  // a later log of the same path is complete
  else
    g_errors[path_.string()] = std::move(why);
}

std::string TryLog::error() const {
  std::lock_guard lock(mu_);
  if (errno_ == 0) return {};
  std::string why = failed_op_;
  if (!why.empty()) why += ": ";
  why += std::error_code(errno_, std::generic_category()).message();
  return why + ": " + std::to_string(written_) + " bytes written, " + std::to_string(lost_) +
         " bytes lost";
}

int TryLog::open_locked() {
  if (!fd_) {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd_) {
      const int err = errno;
      if (errno_ == 0) {
        errno_ = err;
        failed_op_ = "cannot create the file";
      }
      throw std::runtime_error("cannot open log file " + path_.string() + ": " +
                               std::error_code(err, std::generic_category()).message());
    }
  }
  return fd_.get();
}

int TryLog::fd() {
  std::lock_guard lock(mu_);
  return open_locked();
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
    write_all(line);
  } catch (...) {
    // A log line is never worth failing the try over (error() tells).
  }
}

void TryLog::append(std::string_view bytes) {
  if (bytes.empty()) return;
  try {
    write_all(bytes);
  } catch (...) {
    // As above: losing output is better than failing the try.
  }
}

void TryLog::write_all(std::string_view rest) {
  std::lock_guard lock(mu_);
  // After an error nothing more is written: a log with a hole in the middle
  // would look whole. What is lost is counted for error().
  if (errno_ != 0) {
    lost_ += rest.size();
    return;
  }
  int out = -1;
  try {
    out = open_locked();
  } catch (...) {
    lost_ += rest.size();
    throw;
  }
  while (!rest.empty()) {
    ssize_t n = ::write(out, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errno_ = n < 0 ? errno : EIO;  // no progress on a regular file: an I/O error
      lost_ += rest.size();
      return;
    }
    written_ += static_cast<std::uint64_t>(n);
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
