// The try's log file: the child's stdout and stderr are appended to it, and
// every line a plugin or the executor logs is written with a timestamp and a
// level, in one write() per line so concurrent writers never interleave
// within a line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "exec/executor.h"

namespace dagrun {

std::string_view to_string(LogLevel level);  // "DEBUG", "INFO", "WARN", "ERROR"

class TryLog {
 public:
  explicit TryLog(std::filesystem::path path) : path_(std::move(path)) {}
  ~TryLog();
  TryLog(const TryLog&) = delete;
  TryLog& operator=(const TryLog&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Opens the file for appending (creating it) on first use. Throws
  // std::runtime_error naming the file when it cannot be opened.
  int fd();

  // Appends bytes as they are (a child's output). Never throws.
  void append(std::string_view bytes);

  // "2026-11-29T02:07:39.123Z INFO message"; continuation lines of a
  // multi-line message are indented. Never throws.
  void write_line(LogLevel level, std::string_view message);

 private:
  void write_all(int fd, std::string_view bytes);

  std::filesystem::path path_;
  std::mutex mu_;
  int fd_ = -1;
};

// Up to max_lines last non-empty lines of the file, each cut to max_width
// characters; reads at most the last 8 KiB. Empty when the file is missing.
std::vector<std::string> tail_lines(const std::filesystem::path& path, std::size_t max_lines,
                                    std::size_t max_width = 160);

}  // namespace dagrun
