#include "proxy/stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace dagrun::proxy {

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

long PlainStream::read(char* buf, std::size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return kAgain;
    return n < 0 ? kError : static_cast<long>(n);
  }
}

bool PlainStream::write_all(std::string_view data) { return send_all(fd_.get(), data); }

void PlainStream::shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

int read_some(Stream& s, std::string& buf, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return -1;
    if (!s.buffered()) {
      pollfd p{s.fd(), POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (r < 0 && errno != EINTR) return -1;
      if (r <= 0) continue;
    }
    char chunk[16384];
    long n = s.read(chunk, sizeof chunk);
    if (n == Stream::kAgain) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    buf.append(chunk, static_cast<size_t>(n));
    return 1;
  }
}

}  // namespace dagrun::proxy
