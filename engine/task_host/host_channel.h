// The host's end of the protocol socket. Plugins may call back from any
// thread, so every exchange holds one lock: a push or pull and its reply
// are never interleaved with another thread's message.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "plugin/protocol.h"

namespace dagrun {

class HostChannel {
 public:
  explicit HostChannel(int fd) : fd_(fd) {}

  // Blocks for the first line from the engine; nullopt on EOF or error.
  std::optional<std::string> read_line();

  // False when the engine is gone.
  bool send(const protocol::Message& message);

  // Sends a push or pull and waits for its reply; nullopt when the engine is gone.
  std::optional<protocol::Reply> exchange(const protocol::Message& message);

  int fd() const { return fd_; }

 private:
  bool write_all(std::string_view data);
  std::optional<std::string> read_line_locked();

  int fd_;
  std::mutex mu_;
  protocol::LineBuffer input_;
};

}  // namespace dagrun
