#include "proxy/upstream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace dagrun::proxy {
namespace {

constexpr size_t kMaxAnswer = 4u << 20;   // an inspect answer is a few KiB
constexpr int kAnswerTimeoutMs = 30'000;  // the daemon answers inspect at once when it is healthy

}  // namespace

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

UniqueFd Upstream::connect() const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket_.string();
  if (path.size() >= sizeof addr.sun_path) throw UpstreamError("the daemon's socket path is too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw UpstreamError(std::string("socket: ") + std::strerror(errno));
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) throw UpstreamError("cannot reach the Docker daemon at " + path + ": " + std::strerror(errno));
  return fd;
}

Upstream::Answer Upstream::get(const std::string& target) const {
  UniqueFd fd = connect();
  if (!send_all(fd.get(), "GET " + target + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: dagrun-docker-proxy\r\n\r\n"))
    throw UpstreamError("the Docker daemon closed the connection before the request was sent");
  std::string text;
  char buf[16384];
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, kAnswerTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) throw UpstreamError("the Docker daemon did not answer within 30 s");
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw UpstreamError(std::string("reading the Docker daemon's answer: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxAnswer) throw UpstreamError("the Docker daemon's answer is larger than 4 MiB");
  }
  size_t end = text.find("\r\n\r\n");
  Answer a;
  a.status = response_status(text);
  if (end == std::string::npos || a.status == 0) throw UpstreamError("the Docker daemon's answer is not HTTP");
  a.body = text.substr(end + 4);
  return a;
}

int response_status(std::string_view head) {
  if (!head.starts_with("HTTP/1.")) return 0;
  size_t sp = head.find(' ');
  if (sp == std::string_view::npos || sp + 4 > head.size()) return 0;
  int status = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    status = status * 10 + (head[i] - '0');
  }
  return status;
}

}  // namespace dagrun::proxy
