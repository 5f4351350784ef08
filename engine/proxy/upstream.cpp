#include "proxy/upstream.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "proxy/tcp_socket.h"
#include "proxy/tls_stream.h"

namespace dagrun::proxy {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxAnswer = 4u << 20;  // an inspect answer is a few KiB
constexpr auto kAnswerTimeout = std::chrono::seconds(30);  // the daemon answers inspect at once when it is healthy
constexpr auto kConnectTimeout = std::chrono::seconds(10);

UniqueFd unix_connect(const std::filesystem::path& socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
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

}  // namespace

Upstream::Upstream(std::string host, int port, std::shared_ptr<TlsContext> tls)
    : host_(std::move(host)), port_(port), tls_(std::move(tls)) {
  if (!tls_) throw UpstreamError("a daemon on tcp:// is reached with TLS only");
}

std::string Upstream::url() const {
  return socket_.empty() ? "tcp://" + host_ + ":" + std::to_string(port_) : "unix:" + socket_.string();
}

std::unique_ptr<Stream> Upstream::connect() const {
  if (!socket_.empty()) return std::make_unique<PlainStream>(unix_connect(socket_));
  const auto deadline = Clock::now() + kConnectTimeout;
  try {
    return TlsStream::connect(tls_, tcp_connect(host_, port_, deadline), host_, deadline);
  } catch (const std::exception& e) {
    throw UpstreamError("cannot reach the Docker daemon at " + url() + ": " + e.what());
  }
}

Upstream::Answer Upstream::get(const std::string& target) const {
  std::unique_ptr<Stream> s = connect();
  if (!s->write_all("GET " + target + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: dagrun-docker-proxy\r\n\r\n"))
    throw UpstreamError("the Docker daemon closed the connection before the request was sent");
  std::string text;
  const auto deadline = Clock::now() + kAnswerTimeout;
  for (;;) {
    int r = read_some(*s, text, deadline);
    if (r == 0) break;
    if (r < 0) throw UpstreamError("the Docker daemon's answer did not arrive in full within 30 s");
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
