#include "proxy/proxy_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "proxy/upstream.h"

namespace dagrun::proxy {
namespace {

UniqueFd listen_on(const ListenOptions& o) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = o.socket.string();
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    throw std::runtime_error("--listen: the socket path must have 1 to " + std::to_string(sizeof addr.sun_path - 1) +
                             " bytes");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    // A socket left by an earlier proxy is replaced; anything else there is
    // someone's file, and a proxy must not remove it.
    if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(path + " exists and is not a socket");
    ::unlink(path.c_str());
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // Created with no permission for anyone until chmod gives the group its
  // share: no client can connect in between with wider rights.
  mode_t old = ::umask(0777);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::umask(old);
  if (rc < 0) throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(err));
  if (::chmod(path.c_str(), o.mode) < 0)
    throw std::runtime_error("cannot set the mode of " + path + ": " + std::strerror(errno));
  if (::listen(fd.get(), 128) < 0) throw std::runtime_error("listen on " + path + ": " + std::strerror(errno));
  return fd;
}

// The open connections: counted for the bound, shut down on stop so their
// threads end, and waited for.
class Connections {
 public:
  bool add(int fd, std::size_t max) {
    std::lock_guard lock(mu_);
    if (open_.size() >= max) return false;
    open_.insert(fd);
    return true;
  }
  void done(int fd) {
    std::lock_guard lock(mu_);
    open_.erase(fd);
    cv_.notify_all();
  }
  void end_all() {
    std::unique_lock lock(mu_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    cv_.wait(lock, [&] { return open_.empty(); });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> open_;
};

}  // namespace

void serve_proxy(const ListenOptions& listen, const ProxySettings& settings, AuditLog& audit,
                 const CancelToken& stop, const std::function<void()>& on_listening) {
  UniqueFd server = listen_on(listen);
  if (on_listening) on_listening();
  Connections connections;
  while (!stop.cancelled()) {
    pollfd p[2] = {{server.get(), POLLIN, 0}, {stop.fd(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (!(p[0].revents & POLLIN)) continue;
    UniqueFd client(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    const int fd = client.get();
    if (!connections.add(fd, listen.max_connections)) {
      AuditEntry e;
      e.reason = "more than " + std::to_string(listen.max_connections) + " open connections";
      e.status = 503;
      audit.write(e);
      send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      continue;
    }
    // Detached, but never outliving this function: end_all() waits for
    // every connection to say it is done.
    // The thread owns the descriptor and closes it only after done(), so
    // its number is not reused while the set still holds it.
    std::thread([&connections, &settings, &audit, c = std::move(client), fd]() mutable {
      serve_connection(fd, settings, audit);
      connections.done(fd);
      c.reset();
    }).detach();
  }
  ::unlink(listen.socket.c_str());
  connections.end_all();
}

}  // namespace dagrun::proxy
