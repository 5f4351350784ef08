#include "proxy/proxy_server.h"

#include <poll.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "proxy/tcp_socket.h"
#include "proxy/upstream.h"

namespace dagrun::proxy {
namespace {

UniqueFd listen_unix(const ListenOptions& o) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = o.address.socket.string();
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

// Who is on the other end, for the audit: the kernel's word on a Unix
// socket, the verified certificate's subject and the address on TCP.
AuditEntry unix_peer(int fd) {
  AuditEntry who;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    who.client_pid = cred.pid;
    who.client_uid = cred.uid;
  }
  return who;
}

// One connection, on its own thread: the TLS handshake (bounded by the
// head's timeout, so a silent client cannot hold a thread), then the request.
void serve_client(UniqueFd fd, const ListenOptions& listen, const ProxySettings& settings, AuditLog& audit) {
  if (!listen.tls) {
    AuditEntry who = unix_peer(fd.get());
    PlainStream client(std::move(fd));
    serve_connection(client, who, settings, audit);
    return;
  }
  AuditEntry who;
  who.client_address = peer_address(fd.get());
  std::unique_ptr<TlsStream> client;
  try {
    client = TlsStream::accept(listen.tls, std::move(fd), std::chrono::steady_clock::now() + settings.head_timeout);
  } catch (const TlsError& e) {
    who.reason = e.what();
    audit.write(who);  // refused before any request: no method, no status
    return;
  }
  who.client_cert = client->peer_subject();
  serve_connection(*client, who, settings, audit);
}

// The open connections: counted for the bound, shut down on stop so their
// threads end, and joined. Joined, not detached: a thread that has said it is
// done still has its own exit to run (OpenSSL frees its per-thread state
// there), and the proxy must not return, and the process end, before it has.
class Connections {
 public:
  ~Connections() { end_all(); }

  bool add(int fd, std::size_t max) {
    std::lock_guard lock(mu_);
    if (open_.size() >= max) return false;
    open_.insert(fd);
    return true;
  }
  // Runs serve() on a thread of its own, which owns the accepted descriptor
  // and closes it only once the connection is off the list, so its number is
  // not reused while the list holds it (shutdown() through it reaches the
  // same socket).
  template <typename Serve>
  void spawn(UniqueFd accepted, Serve serve) {
    const int fd = accepted.get();
    std::lock_guard lock(mu_);
    join_finished();
    auto it = threads_.emplace(threads_.end());
    try {
      // The thread's done() waits for this lock, so `it` holds its thread by then.
      *it = std::thread([this, fd, it, serve = std::move(serve), accepted = std::move(accepted)]() mutable {
        serve();
        done(fd, it);
        accepted.reset();
      });
    } catch (...) {  // no thread: the connection is not open, and end_all() must not wait for it
      threads_.erase(it);
      open_.erase(fd);
      throw;
    }
  }
  void end_all() {
    std::unique_lock lock(mu_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    cv_.wait(lock, [&] { return open_.empty(); });
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();  // each has left the list: it never takes the lock again
    threads_.clear();
    finished_.clear();
  }

 private:
  using Threads = std::list<std::thread>;
  void done(int fd, Threads::iterator it) {
    std::lock_guard lock(mu_);
    open_.erase(fd);
    finished_.push_back(it);
    cv_.notify_all();
  }
  // With mu_ held: the threads that said they are done are ending without
  // the lock, so joining them here cannot wait on it.
  void join_finished() {
    for (Threads::iterator it : finished_) {
      if (it->joinable()) it->join();
      threads_.erase(it);
    }
    finished_.clear();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> open_;
  Threads threads_;
  std::vector<Threads::iterator> finished_;
};

}  // namespace

void serve_proxy(const ListenOptions& listen, const ProxySettings& settings, AuditLog& audit,
                 const CancelToken& stop, const std::function<void(const std::string&)>& on_listening) {
  ProxyAddress bound = listen.address;
  UniqueFd server;
  if (bound.is_unix()) {
    server = listen_unix(listen);
  } else {
    if (!listen.tls) throw std::runtime_error("a TCP listener needs mutual TLS");
    server = tcp_listen(bound.host, bound.port, &bound.port);
  }
  if (on_listening) on_listening(bound.text());
  Connections connections;
  while (!stop.cancelled()) {
    pollfd p[2] = {{server.get(), POLLIN, 0}, {stop.fd(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (!(p[0].revents & POLLIN)) continue;
    UniqueFd client(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    const int fd = client.get();
    if (!connections.add(fd, listen.max_connections)) {
      AuditEntry e = listen.tls ? AuditEntry{} : unix_peer(fd);
      if (listen.tls) e.client_address = peer_address(fd);
      e.reason = "more than " + std::to_string(listen.max_connections) + " open connections";
      e.status = 503;
      audit.write(e);
      // A TLS client would read plain text as a broken handshake: it gets
      // the closed connection only.
      if (!listen.tls) send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      continue;
    }
    // The thread serves a duplicate; the accepted descriptor is the list's.
    connections.spawn(std::move(client), [&listen, &settings, &audit, fd] {
      if (UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); copy) serve_client(std::move(copy), listen, settings, audit);
    });
  }
  if (bound.is_unix()) ::unlink(bound.socket.c_str());
  connections.end_all();
}

}  // namespace dagrun::proxy
