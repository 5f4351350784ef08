// Which container a client's reference means, by the daemon's inspect
// answer: the proxy's own (full id), another's (403), none (404), several
// (the daemon's 400 for an ambiguous prefix: 400, not a broken daemon), and
// a daemon answering nonsense (UpstreamError: 502). The daemon here is a
// one-answer Unix-socket server of the test's own.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <future>
#include <thread>

#include "proxy/create_check.h"
#include "proxy/ownership.h"
#include "proxy_test_support.h"
#include "temp_dir.h"

using namespace dagrun;
using namespace dagrun::proxy;

namespace {

// Answers one connection with `answer`, after reading its request head.
class OneAnswer {
 public:
  OneAnswer(const std::string& path, std::string answer) : answer_(std::move(answer)) {
    fd_ = proxy_test::unix_listen(path);
    thread_ = std::thread([this] {
      UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c.get(), buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      (void)!::send(c.get(), answer_.data(), answer_.size(), MSG_NOSIGNAL);
      request_.set_value(head.substr(0, head.find("\r\n")));
    });
  }
  ~OneAnswer() {
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  // The request line that came.
  std::string request() { return seen_.get(); }

 private:
  UniqueFd fd_;
  std::string answer_;
  std::promise<std::string> request_;
  std::future<std::string> seen_ = request_.get_future();
  std::thread thread_;
};

std::string http(int status, const std::string& body) {
  return "HTTP/1.0 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n\r\n" + body;
}

Route stop_route(const std::string& ref) {
  RouteDecision d = route_request("POST", "/v1.41/containers/" + ref + "/stop");
  REQUIRE(d.route.has_value());
  return *d.route;
}

}  // namespace

TEST_CASE("the daemon's inspect answer decides whose container a reference means") {
  testing::TempDir dir;
  const std::string sock = dir.file("d.sock");
  Upstream up{std::filesystem::path(sock)};
  const std::string mine = std::string(R"({"Id":"abc123full","Config":{"Labels":{")") + kProxyLabel + R"(":"p"}}})";

  SUBCASE("the proxy's own: its full id, asked for by the reference as the client wrote it") {
    OneAnswer d(sock, http(200, mine));
    Ownership o = check_owner(up, stop_route("abc"), "p");
    REQUIRE(o.full_id.has_value());
    CHECK(*o.full_id == "abc123full");
    CHECK(d.request() == "GET /v1.41/containers/abc/json HTTP/1.0");
  }
  SUBCASE("another proxy's, or nobody's label") {
    OneAnswer d(sock, http(200, mine));
    Ownership o = check_owner(up, stop_route("abc"), "another");
    CHECK_FALSE(o.full_id.has_value());
    CHECK(o.http_status == 403);
  }
  SUBCASE("none") {
    OneAnswer d(sock, http(404, R"({"message":"No such container: abc"})"));
    Ownership o = check_owner(up, stop_route("abc"), "p");
    CHECK(o.http_status == 404);
  }
  SUBCASE("a prefix of several containers: the client's mistake, and the daemon's words stay with the proxy") {
    OneAnswer d(sock, http(400, R"j({"message":"multiple IDs found with provided prefix: a (someone-elses-db)"})j"));
    Ownership o = check_owner(up, stop_route("a"), "p");
    CHECK_FALSE(o.full_id.has_value());
    CHECK(o.http_status == 400);
    CHECK(o.reason.find("one container") != std::string::npos);
    CHECK(o.reason.find("someone-elses-db") == std::string::npos);
  }
  SUBCASE("a daemon error or an answer without an id is the daemon's failure (502)") {
    {
      OneAnswer d(sock, http(500, R"({"message":"boom"})"));
      CHECK_THROWS_AS(check_owner(up, stop_route("abc"), "p"), UpstreamError);
    }
    std::filesystem::remove(sock);
    OneAnswer d(sock, http(200, R"({"Config":{}})"));
    CHECK_THROWS_AS(check_owner(up, stop_route("abc"), "p"), UpstreamError);
  }
}
