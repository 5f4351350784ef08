// Docker's multiplexed attach stream (a container without a TTY) turned into
// lines. Each frame is an 8-byte header [stream, 0, 0, 0, size as a
// big-endian uint32] and size bytes of payload; stream 1 is stdout (0, stdin,
// counts as stdout), 2 stderr, 3 an error from the daemon itself. Frames arrive split across reads in any
// way, and frames are not lines: a line may span frames and a frame may hold
// many lines. Each stream keeps its own partial line, since the daemon does
// not order stdout against stderr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dagrun {

enum class OutputStream { stdout_stream = 1, stderr_stream = 2, daemon = 3 };

class StreamSplitter {
 public:
  // Called for each complete line, without its '\n'.
  using LineFn = std::function<void(OutputStream stream, std::string_view line)>;

  // A line longer than max_line is cut into pieces of max_line bytes, so
  // output without newlines cannot grow memory without bound.
  explicit StreamSplitter(LineFn on_line, std::size_t max_line = 1 << 20)
      : on_line_(std::move(on_line)), max_line_(max_line) {}

  void feed(std::string_view bytes);
  // Flushes every partial last line. Call once, at the end of the stream.
  void finish();

  // True once a header named no known stream: the rest of the input is
  // ignored (the stream is not what the daemon promised).
  bool corrupt() const { return corrupt_; }

 private:
  void payload(std::string_view bytes);

  LineFn on_line_;
  std::size_t max_line_;
  unsigned char header_[8] = {};
  std::size_t header_len_ = 0;
  std::uint32_t remaining_ = 0;  // payload bytes left in the current frame
  OutputStream current_ = OutputStream::stdout_stream;
  std::string partial_[3];
  bool corrupt_ = false;
};

}  // namespace dagrun
