// The try's log file: the child's stdout and stderr are appended to it, and
// every line a plugin or the executor logs is written with a timestamp and a
// level, in one write() per line so concurrent writers never interleave
// within a line.
//
// Writing never fails the try, but it must not fail silently either: the
// first error (a full disk, EIO) ends the file there (later output is
// counted, not written, so the log has no holes) and, when the TryLog is
// closed, is reported through take_log_error() for the try's record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
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

  // Why the file lacks output, empty when it has all of it: "No space left
  // on device: 583680 bytes written, 41360360 bytes lost".
  std::string error() const;

 private:
  int open_locked();  // mu_ held; throws like fd()
  void write_all(std::string_view bytes);

  std::filesystem::path path_;
  mutable std::mutex mu_;
  UniqueFd fd_;
  int errno_ = 0;  // the first write or open error; nothing is written after it
  std::string failed_op_;  // what failed: "cannot create the file" or empty for a write
  std::uint64_t written_ = 0;
  std::uint64_t lost_ = 0;
};

// The error of the last TryLog closed for this path, forgotten as it is
// returned; empty when its log was complete. Lets the runner mark a try's
// record incomplete without every executor handing its log back.
std::string take_log_error(const std::filesystem::path& path);

// Up to max_lines last non-empty lines of the file, each cut to max_width
// characters; reads at most the last 8 KiB. Empty when the file is missing.
std::vector<std::string> tail_lines(const std::filesystem::path& path, std::size_t max_lines,
                                    std::size_t max_width = 160);

}  // namespace dagrun
