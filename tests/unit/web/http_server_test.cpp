// The HTTP server under `dagrun serve`, with real sockets: requests answered
// from the handler pool, keep-alive, limits, a streaming response fed from
// another thread, and stop(). Run under TSan in CI (tools/test).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "web/http_server.h"

using namespace dagrun;
using namespace dagrun::web;

namespace {

// A server on a free loopback port, run on its own thread for the test.
class Running {
 public:
  explicit Running(Handler h, Limits limits = {}) : server_("127.0.0.1", 0, std::move(h), limits) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_.port(); }

 private:
  Server server_;
  std::thread thread_;
};

UniqueFd connect_to(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void send_all(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// Reads until `until` appears in what was read, or the peer closes.
std::string read_until(int fd, const std::string& until) {
  std::string out;
  char buf[4096];
  while (out.find(until) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Response echo(const Request& r) {
  Response out;
  out.content_type = "text/plain";
  out.body = r.method + " " + r.path + " ? " + r.query + " | " + r.header("x-test") + " | " + r.body;
  return out;
}

}  // namespace

TEST_CASE("requests are parsed and answered, and a connection is kept alive between them") {
  Running server(echo);
  UniqueFd c = connect_to(server.port());
  send_all(c.get(), "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Test: one\r\nX-TEST: two\r\n\r\n");
  std::string first = read_until(c.get(), "two");
  CHECK(first.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(first.find("GET /a/b ? x=1 | one, two | ") != std::string::npos);
  send_all(c.get(), "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(read_until(c.get(), "hello").find("POST /p ?  |  | hello") != std::string::npos);
}

TEST_CASE("oversized bodies and headers are refused with 413 and 431, and a handler that throws is a 500") {
  Limits limits;
  limits.max_body = 10;
  limits.max_header = 200;
  Running server(
      [](const Request& r) -> Response {
        if (r.path == "/throw") throw std::runtime_error("boom");
        return echo(r);
      },
      limits);
  UniqueFd a = connect_to(server.port());
  send_all(a.get(), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");
  CHECK(read_until(a.get(), "\r\n").rfind("HTTP/1.1 413 ", 0) == 0);
  UniqueFd b = connect_to(server.port());
  send_all(b.get(), "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n");
  CHECK(read_until(b.get(), "\r\n").rfind("HTTP/1.1 431 ", 0) == 0);
  UniqueFd c = connect_to(server.port());
  send_all(c.get(), "GET /throw HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string answer = read_until(c.get(), "internal error");
  CHECK(answer.rfind("HTTP/1.1 500 ", 0) == 0);
  CHECK(answer.find("boom") == std::string::npos);  // no internals leak
}

TEST_CASE("many clients at once are all answered") {
  Running server(echo);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i)
    clients.emplace_back([&, i] {
      UniqueFd c = connect_to(server.port());
      for (int j = 0; j < 10; ++j) {
        const std::string body = "c" + std::to_string(i) + "r" + std::to_string(j);
        send_all(c.get(), "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body);
        if (read_until(c.get(), body).find("| " + body) != std::string::npos) ++ok;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 160);
}

TEST_CASE("a streaming response sends what another thread gives it, until the client leaves") {
  std::mutex mu;
  std::vector<StreamSink> sinks;
  Running server([&](const Request&) {
    Response r;
    r.content_type = "text/event-stream";
    r.stream = [&](StreamSink sink) {
      std::lock_guard lock(mu);
      sinks.push_back(std::move(sink));
    };
    return r;
  });
  UniqueFd c = connect_to(server.port());
  send_all(c.get(), "GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string head = read_until(c.get(), "\r\n\r\n");
  CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
  auto sink = [&] {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu);
        if (!sinks.empty()) return sinks.front();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the stream was never attached");
    return StreamSink();
  }();
  std::thread feeder([&] {
    for (int i = 0; i < 100; ++i) sink(std::make_shared<const std::string>("data: " + std::to_string(i) + "\n\n"));
  });
  feeder.join();
  const std::string got = read_until(c.get(), "data: 99\n\n");
  CHECK(got.find("data: 0\n\ndata: 1\n\n") != std::string::npos);
  CHECK(got.find("data: 99\n\n") != std::string::npos);
  c.reset();  // the client leaves: the sink refuses from then on
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    refused = !sink(std::make_shared<const std::string>("data: after\n\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(refused);
}
