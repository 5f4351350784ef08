#include "task_host/host_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace dagrun {

bool HostChannel::write_all(std::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a vanished engine must not kill the host with SIGPIPE.
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::optional<std::string> HostChannel::read_line_locked() {
  for (;;) {
    try {
      if (auto line = input_.next()) return line;
    } catch (const protocol::ProtocolError&) {
      return std::nullopt;
    }
    char buf[4096];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    input_.append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> HostChannel::read_line() {
  std::lock_guard lock(mu_);
  return read_line_locked();
}

bool HostChannel::send(const protocol::Message& message) {
  std::string line = protocol::encode(message);
  std::lock_guard lock(mu_);
  return write_all(line);
}

std::optional<protocol::Reply> HostChannel::exchange(const protocol::Message& message) {
  std::string line = protocol::encode(message);
  std::lock_guard lock(mu_);
  if (!write_all(line)) return std::nullopt;
  auto reply = read_line_locked();
  if (!reply) return std::nullopt;
  try {
    return protocol::decode_reply(*reply);
  } catch (const protocol::ProtocolError&) {
    return std::nullopt;
  }
}

}  // namespace dagrun
