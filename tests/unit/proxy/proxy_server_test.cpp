// The proxy's listener and connections with threads: many clients at once,
// each answered and audited, nothing refused reaching the upstream, and a
// stop that ends open connections. The upstream here is a small Unix-socket
// server of the test's own that records what reaches it (the real daemon is
// tests/e2e/test_docker_proxy.py's).
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "proxy/proxy_server.h"
#include "proxy_test_support.h"
#include "temp_dir.h"

using namespace dagrun;
using namespace dagrun::proxy;
using dagrun::proxy_test::unix_connect;
using dagrun::proxy_test::unix_listen;

namespace {

std::string read_to_end(int fd, int timeout_ms = 10'000) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Answers every request with 200 "OK" and records its head.
class FakeDaemon {
 public:
  explicit FakeDaemon(const std::string& path) : fd_(unix_listen(path)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeDaemon() {
    stop_ = true;
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) continue;
      std::string text;
      char buf[4096];
      while (text.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c.get(), buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(text.substr(0, text.find("\r\n")));
      }
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK";
      (void)!::send(c.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
    }
  }

  UniqueFd fd_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

struct ProxyFixture {
  testing::TempDir dir;
  FakeDaemon daemon{dir.file("up.sock")};
  ProxySettings settings;
  std::unique_ptr<AuditLog> audit;
  CancelToken stop;
  std::future<void> served;
  std::string socket = dir.file("proxy.sock");

  ProxyFixture() {
    settings.upstream = Upstream(dir.file("up.sock"));
    settings.home = dir.path();
    settings.head_timeout = std::chrono::milliseconds(500);
    audit = std::make_unique<AuditLog>(dir.file("audit.jsonl"));
    ListenOptions listen;
    listen.address.socket = socket;
    std::promise<void> listening;
    auto ready = listening.get_future();
    served = std::async(std::launch::async, [this, listen, &listening] {
      serve_proxy(listen, settings, *audit, stop, [&](const std::string&) { listening.set_value(); });
    });
    REQUIRE(ready.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  }
  ~ProxyFixture() {
    stop.cancel("test over");
    served.wait();
  }

  std::string ask(const std::string& request) {
    UniqueFd c = unix_connect(socket);
    REQUIRE(c.valid());
    REQUIRE(::send(c.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    return read_to_end(c.get());
  }

  std::vector<std::string> audit_lines() {
    std::ifstream f(dir.file("audit.jsonl"));
    std::vector<std::string> out;
    for (std::string line; std::getline(f, line);) out.push_back(line);
    return out;
  }
};

}  // namespace

TEST_CASE("clients at once are each answered, forwarded as the proxy rebuilt them, and audited") {
  ProxyFixture f;
  constexpr int kClients = 16;
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < kClients; ++i)
    answers.push_back(std::async(std::launch::async, [&] {
      return f.ask("GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\nX-Extra: dropped\r\n\r\n");
    }));
  for (auto& a : answers) {
    std::string text = a.get();
    CHECK(text.starts_with("HTTP/1.1 200 OK"));
    CHECK(text.ends_with("OK"));
  }
  auto seen = f.daemon.requests();
  CHECK(seen.size() == kClients);
  for (const std::string& r : seen) CHECK(r == "GET /v1.41/_ping HTTP/1.1");
  auto lines = f.audit_lines();
  CHECK(lines.size() == kClients);
  for (const std::string& l : lines) CHECK(l.find("\"decision\":\"allow\"") != std::string::npos);
}

TEST_CASE("refused requests never reach the upstream, whatever runs beside them") {
  ProxyFixture f;
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      std::string body = R"({"Image":"x","HostConfig":{"Privileged":true}})";
      return f.ask("POST /containers/create HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\n\r\n" + body);
    }));
    answers.push_back(std::async(std::launch::async, [&] { return f.ask("POST /build HTTP/1.1\r\n\r\n"); }));
  }
  for (auto& a : answers) {
    std::string text = a.get();
    CHECK((text.starts_with("HTTP/1.1 403") || text.starts_with("HTTP/1.1 400")));
    CHECK(text.find("dagrun docker-proxy:") != std::string::npos);
  }
  CHECK(f.daemon.requests().empty());
  auto lines = f.audit_lines();
  CHECK(lines.size() == 16);
  for (const std::string& l : lines) CHECK(l.find("\"decision\":\"deny\"") != std::string::npos);
}

TEST_CASE("a client that sends nothing gets 408 after the head timeout, and a stop ends open connections") {
  ProxyFixture f;
  UniqueFd idle = unix_connect(f.socket);
  REQUIRE(idle.valid());
  std::string answer = read_to_end(idle.get());
  CHECK(answer.starts_with("HTTP/1.1 408"));

  UniqueFd open = unix_connect(f.socket);
  REQUIRE(open.valid());
  (void)!::send(open.get(), "GET /_ping HTTP/1.1\r\n", 21, MSG_NOSIGNAL);  // a head never finished
  f.stop.cancel("stop");
  CHECK(f.served.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK_FALSE(std::filesystem::exists(f.socket));
}

TEST_CASE("the listener replaces a stale socket but never another file at its path") {
  testing::TempDir dir;
  std::ofstream(dir.file("taken")) << "someone's file";
  ProxySettings settings;
  AuditLog audit(dir.file("audit"));
  CancelToken stop;
  ListenOptions listen;
  listen.address.socket = dir.file("taken");
  CHECK_THROWS_WITH_AS(serve_proxy(listen, settings, audit, stop), doctest::Contains("is not a socket"),
                       std::runtime_error);
  CHECK(std::filesystem::is_regular_file(dir.file("taken")));
}
