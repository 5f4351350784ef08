// The proxy on TCP with mutual TLS and in front of a daemon on TCP with TLS:
// a client with a certificate from the proxy's CA is served and audited by
// its certificate's subject; no certificate, one from another CA, plain HTTP
// and a silent client are each refused in the handshake with nothing sent
// to the daemon; a daemon whose certificate is not from the CA or does not
// name its host is refused (502). Certificates are made for each test with
// the openssl command (throw-away CAs).
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

#include "openssl_command.h"
#include "proxy/proxy_server.h"
#include "proxy/tcp_socket.h"
#include "proxy/tls_stream.h"
#include "proxy_test_support.h"
#include "temp_dir.h"

using namespace dagrun;
using namespace dagrun::proxy;
using dagrun::proxy_test::unix_connect;
using dagrun::testing::openssl;
using dagrun::proxy_test::unix_listen;

namespace {

using Clock = std::chrono::steady_clock;

// A CA and certificates it signed, in dir: NAME.pem and NAME-key.pem.
class Pki {
 public:
  Pki(const std::filesystem::path& dir, const std::string& ca) : dir_(dir), ca_(ca) {
    openssl(dir_, {"req", "-x509", "-days", "1", "-subj", "/CN=" + ca, "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca + "-key.pem", "-out", ca + ".pem"});
  }
  // extensions: "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth"
  TlsFiles issue(const std::string& name, const std::string& extensions) {
    openssl(dir_, {"req", "-subj", "/CN=" + name, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-keyout", name + "-key.pem", "-out", name + ".csr"});
    std::ofstream(dir_ / (name + ".ext")) << extensions << "\n";
    openssl(dir_, {"x509", "-req", "-days", "1", "-in", name + ".csr", "-CA", ca_ + ".pem", "-CAkey", ca_ + "-key.pem",
                   "-CAcreateserial", "-extfile", name + ".ext", "-out", name + ".pem"});
    return {dir_ / (ca_ + ".pem"), dir_ / (name + ".pem"), dir_ / (name + "-key.pem")};
  }
  std::filesystem::path ca() const { return dir_ / (ca_ + ".pem"); }

 private:
  std::filesystem::path dir_;
  std::string ca_;
};

constexpr const char* kServerExt = "subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth";
constexpr const char* kClientExt = "extendedKeyUsage = clientAuth";

// A daemon that answers every request with 200 "OK" and records its first
// line: on a Unix socket, or on TCP with TLS (a client certificate required).
class FakeDaemon {
 public:
  explicit FakeDaemon(UniqueFd listener, std::shared_ptr<TlsContext> tls = nullptr)
      : fd_(std::move(listener)), tls_(std::move(tls)) {
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
      std::unique_ptr<Stream> s;
      try {
        if (tls_) s = TlsStream::accept(tls_, std::move(c), Clock::now() + std::chrono::seconds(5));
        else s = std::make_unique<PlainStream>(std::move(c));
      } catch (const TlsError&) {
        continue;
      }
      std::string text;
      while (text.find("\r\n\r\n") == std::string::npos)
        if (read_some(*s, text, Clock::now() + std::chrono::seconds(5)) <= 0) break;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(text.substr(0, text.find("\r\n")));
      }
      s->write_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK");
      s->shutdown_write();
    }
  }

  UniqueFd fd_;
  std::shared_ptr<TlsContext> tls_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// A proxy serving until the fixture ends, with the address it listens on.
struct RunningProxy {
  CancelToken stop;
  std::future<void> served;
  std::string address;

  RunningProxy(ListenOptions listen, const ProxySettings& settings, AuditLog& audit) {
    std::promise<std::string> listening;
    auto ready = listening.get_future();
    served = std::async(std::launch::async, [this, listen, &settings, &audit, &listening] {
      serve_proxy(listen, settings, audit, stop, [&](const std::string& a) { listening.set_value(a); });
    });
    REQUIRE(ready.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    address = ready.get();
  }
  ~RunningProxy() {
    stop.cancel("test over");
    served.wait();
  }
  int port() const { return std::stoi(address.substr(address.rfind(':') + 1)); }
};

std::string read_all(Stream& s) {
  std::string out;
  while (read_some(s, out, Clock::now() + std::chrono::seconds(10)) > 0) {
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& file) {
  std::ifstream f(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

// Waits for the audit to hold n lines (a refused handshake is written by the
// connection's thread after the client has seen the end).
std::vector<std::string> audit_lines(const std::string& file, std::size_t n) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (lines_of(file).size() < n && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return lines_of(file);
}

// The mutual-TLS listener in front of a Unix-socket daemon.
struct TlsListenerFixture {
  testing::TempDir dir;
  Pki pki{dir.path(), "proxy-ca"};
  TlsFiles server = pki.issue("proxy-server", kServerExt);
  TlsFiles client = pki.issue("proxy-client", kClientExt);
  FakeDaemon daemon{unix_listen(dir.file("up.sock"))};
  ProxySettings settings;
  AuditLog audit{dir.file("audit.jsonl")};
  std::unique_ptr<RunningProxy> proxy;

  TlsListenerFixture() {
    settings.upstream = Upstream(dir.file("up.sock"));
    settings.home = dir.path();
    settings.head_timeout = std::chrono::milliseconds(500);
    ListenOptions listen;
    listen.address.host = "127.0.0.1";
    listen.address.port = 0;
    listen.tls = TlsContext::server(server);
    proxy = std::make_unique<RunningProxy>(listen, settings, audit);
  }

  // A request through a TLS connection made with these client files; the
  // answer, or what the handshake's failure said.
  std::string ask(const TlsFiles& files, const std::string& request) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    try {
      auto s = TlsStream::connect(TlsContext::client(files), tcp_connect("127.0.0.1", proxy->port(), deadline),
                                  "127.0.0.1", deadline);
      if (!s->write_all(request)) return "write failed";
      return read_all(*s);
    } catch (const TlsError& e) {
      return std::string("handshake: ") + e.what();
    }
  }
  std::string audit_file() const { return dir.file("audit.jsonl"); }
};

}  // namespace

TEST_CASE("a client with a certificate from the proxy's CA is served over TCP, audited by its subject") {
  TlsListenerFixture f;
  CHECK(f.proxy->address.starts_with("tcp://127.0.0.1:"));
  CHECK(f.proxy->port() > 0);
  std::string answer = f.ask(f.client, "GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(answer.starts_with("HTTP/1.1 200 OK"));
  CHECK(answer.ends_with("OK"));
  CHECK(f.daemon.requests() == std::vector<std::string>{"GET /v1.41/_ping HTTP/1.1"});
  // The policy is the same whichever way a client comes in.
  std::string refused = f.ask(f.client, "POST /v1.41/containers/x/exec HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(refused.starts_with("HTTP/1.1 403"));
  CHECK(f.daemon.requests().size() == 1);
  auto lines = audit_lines(f.audit_file(), 2);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("\"client_cert\":\"/CN=proxy-client\"") != std::string::npos);
  CHECK(lines[0].find("\"client_address\":\"127.0.0.1:") != std::string::npos);
  CHECK(lines[0].find("\"decision\":\"allow\"") != std::string::npos);
  CHECK(lines[0].find("client_uid") == std::string::npos);
  CHECK(lines[1].find("\"decision\":\"deny\"") != std::string::npos);
}

TEST_CASE("no client certificate, one from another CA, plain HTTP and a silent client never reach the daemon") {
  TlsListenerFixture f;
  Pki other(f.dir.path(), "other-ca");
  TlsFiles intruder = other.issue("intruder", kClientExt);
  intruder.ca = f.pki.ca();  // it trusts the proxy; the proxy does not trust it

  SUBCASE("no certificate") {
    std::string answer = f.ask({f.pki.ca(), {}, {}}, "GET /_ping HTTP/1.1\r\n\r\n");
    CHECK_FALSE(answer.starts_with("HTTP/"));
    auto lines = audit_lines(f.audit_file(), 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("TLS handshake failed") != std::string::npos);
    CHECK(lines[0].find("certificate") != std::string::npos);
  }
  SUBCASE("a certificate from another CA") {
    std::string answer = f.ask(intruder, "GET /_ping HTTP/1.1\r\n\r\n");
    CHECK_FALSE(answer.starts_with("HTTP/"));
    auto lines = audit_lines(f.audit_file(), 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("TLS handshake failed") != std::string::npos);
    CHECK(lines[0].find("\"decision\":\"deny\"") != std::string::npos);
  }
  SUBCASE("plain HTTP") {
    PlainStream s(tcp_connect("127.0.0.1", f.proxy->port(), Clock::now() + std::chrono::seconds(10)));
    REQUIRE(s.write_all("GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_FALSE(read_all(s).starts_with("HTTP/"));
    auto lines = audit_lines(f.audit_file(), 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("TLS handshake failed") != std::string::npos);
  }
  SUBCASE("a client that never starts the handshake") {
    PlainStream s(tcp_connect("127.0.0.1", f.proxy->port(), Clock::now() + std::chrono::seconds(10)));
    CHECK(read_all(s).empty());  // closed by the proxy after the head's timeout
    auto lines = audit_lines(f.audit_file(), 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("did not finish in time") != std::string::npos);
  }
  CHECK(f.daemon.requests().empty());
}

TEST_CASE("a daemon on TCP is reached with TLS and the proxy's client certificate, and must prove its name") {
  testing::TempDir dir;
  Pki pki(dir.path(), "daemon-ca");
  TlsFiles daemon_files = pki.issue("daemon", kServerExt);
  TlsFiles proxy_as_client = pki.issue("proxy", kClientExt);
  int port = 0;
  FakeDaemon daemon(tcp_listen("127.0.0.1", 0, &port), TlsContext::server(daemon_files));

  auto through = [&](const std::string& host, const TlsFiles& client_files) {
    ProxySettings settings;
    settings.upstream = Upstream(host, port, TlsContext::client(client_files));
    settings.home = dir.path();
    AuditLog audit(dir.file("audit.jsonl"));
    ListenOptions listen;
    listen.address.socket = dir.file("proxy.sock");
    RunningProxy proxy(listen, settings, audit);
    UniqueFd c = unix_connect(dir.file("proxy.sock"));
    REQUIRE(c.valid());
    PlainStream s(std::move(c));
    REQUIRE(s.write_all("GET /v1.41/version HTTP/1.1\r\nHost: x\r\n\r\n"));
    return read_all(s);
  };

  SUBCASE("by its IP address and by its name") {
    CHECK(through("127.0.0.1", proxy_as_client).starts_with("HTTP/1.1 200 OK"));
    CHECK(through("localhost", proxy_as_client).starts_with("HTTP/1.1 200 OK"));
    CHECK(daemon.requests() == std::vector<std::string>{"GET /v1.41/version HTTP/1.1", "GET /v1.41/version HTTP/1.1"});
  }
  SUBCASE("a daemon whose certificate another CA signed") {
    Pki other(dir.path(), "other-ca");
    TlsFiles trusting_other = proxy_as_client;
    trusting_other.ca = other.ca();
    std::string answer = through("127.0.0.1", trusting_other);
    CHECK(answer.starts_with("HTTP/1.1 502"));
    CHECK(answer.find("certificate verify failed") != std::string::npos);
    CHECK(daemon.requests().empty());
  }
  SUBCASE("a proxy without a client certificate") {
    std::string answer = through("127.0.0.1", {pki.ca(), {}, {}});
    CHECK(answer.starts_with("HTTP/1.1 502"));
    CHECK(daemon.requests().empty());
  }
}

TEST_CASE("TLS files that do not load, or a listener without its CA, stop the proxy before it listens") {
  testing::TempDir dir;
  Pki pki(dir.path(), "ca");
  TlsFiles server = pki.issue("server", kServerExt);
  CHECK_THROWS_WITH_AS(TlsContext::server({server.ca, server.cert, {}}), doctest::Contains("mutual TLS"), TlsError);
  CHECK_THROWS_WITH_AS(TlsContext::server({server.ca, dir.file("missing.pem"), server.key}),
                       doctest::Contains("missing.pem"), TlsError);
  TlsFiles other = pki.issue("other", kServerExt);
  CHECK_THROWS_WITH_AS(TlsContext::server({server.ca, server.cert, other.key}), doctest::Contains("does not belong"),
                       TlsError);
  CHECK_THROWS_WITH_AS(TlsContext::client({dir.file("nope.pem"), {}, {}}), doctest::Contains("nope.pem"), TlsError);
  ProxySettings settings;
  AuditLog audit(dir.file("audit"));
  CancelToken stop;
  ListenOptions listen;
  listen.address.host = "127.0.0.1";
  CHECK_THROWS_WITH_AS(serve_proxy(listen, settings, audit, stop), doctest::Contains("mutual TLS"), std::runtime_error);
}
