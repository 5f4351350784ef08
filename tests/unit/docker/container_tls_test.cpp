// Container tasks through the daemon's TLS endpoint tcp://127.0.0.1:2376
// (tools/docker-up): the client certificate from $DAGRUN_DOCKER_TLS_DIR gets
// in; no certificate, a certificate from another CA, a wrong server name and
// a plain-text endpoint each fail with a TLS error, and nothing is created.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "docker_test_support.h"
#include "base/process.h"
#include "openssl_command.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

constexpr const char* kTlsUrl = "tcp://127.0.0.1:2376";

ContainerTls test_client_tls() {
  auto dir = docker_tls_dir();
  return ContainerTls{(dir / "ca.pem").string(), (dir / "cert.pem").string(), (dir / "key.pem").string(), true, ""};
}

bool tls_files_present() {
  auto dir = docker_tls_dir();
  for (auto f : {"ca.pem", "cert.pem", "key.pem"})
    if (!std::filesystem::exists(dir / f)) {
      skip_test("no " + (dir / f).string() + " (run tools/docker-up)");
      return false;
    }
  return true;
}

// A throw-away CA and a client certificate it signed, unknown to the daemon.
ContainerTls foreign_client_tls(const std::filesystem::path& dir) {
  std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  openssl(dir, with({"req", "-x509", "-days", "1", "-subj", "/CN=other CA", "-keyout", "other-ca-key.pem", "-out",
                     "other-ca.pem"},
                    ec));
  openssl(dir, with({"req", "-subj", "/CN=intruder", "-keyout", "key.pem", "-out", "client.csr"}, ec));
  std::filesystem::path ext = dir / "client.ext";
  std::ofstream(ext) << "extendedKeyUsage = clientAuth\n";
  openssl(dir, {"x509", "-req", "-days", "1", "-in", "client.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca-key.pem",
                "-CAcreateserial", "-extfile", "client.ext", "-out", "cert.pem"});
  auto tls = test_client_tls();
  tls.client_cert = (dir / "cert.pem").string();
  tls.client_key = (dir / "key.pem").string();
  return tls;
}

// A TCP port that answers in plain HTTP, whatever it is sent.
class PlainHttpListener {
 public:
  PlainHttpListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    REQUIRE(::bind(fd_, sa, len) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, sa, &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~PlainHttpListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++connections_;
      char buf[4096];
      [[maybe_unused]] auto n = ::read(c, buf, sizeof buf);
      static const char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
      [[maybe_unused]] auto w = ::write(c, kAnswer, sizeof kAnswer - 1);
      ::close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TryOutcome run_over_tls(ContainerFixture& f, const std::string& url, ContainerTls tls) {
  f.spec->docker_url = url;
  f.spec->tls = std::move(tls);
  f.spec->auto_remove = AutoRemove::force;
  return f.run({"sh", "-c", "echo over-tls"});
}

}  // namespace

TEST_CASE("docker tls: a task runs through tcp://127.0.0.1:2376 with the test client certificate") {
  REQUIRE_DOCKER();
  if (!tls_files_present()) return;
  ContainerFixture f;
  auto out = run_over_tls(f, kTlsUrl, test_client_tls());
  CHECK_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  CHECK(f.log_text().find("on tcp://127.0.0.1:2376\n") != std::string::npos);
  CHECK(f.log_text().find("over-tls\n") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker tls: tls.hostname verifies the daemon under another name than the URL's host") {
  REQUIRE_DOCKER();
  if (!tls_files_present()) return;
  ContainerFixture f;
  auto tls = test_client_tls();
  tls.hostname = "localhost";  // in the server certificate's subjectAltName
  auto out = run_over_tls(f, kTlsUrl, tls);
  CHECK_MESSAGE(out.status == TryOutcome::Status::success, out.error);

  tls.hostname = "not-the-daemon.example";
  auto wrong = run_over_tls(f, kTlsUrl, tls);
  CHECK(wrong.status == TryOutcome::Status::failed_no_retry);
  CHECK(wrong.error.find("task 't': TLS handshake with the Docker daemon at tcp://127.0.0.1:2376 failed: ") == 0);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker tls: without a client certificate the daemon refuses and nothing is created") {
  REQUIRE_DOCKER();
  if (!tls_files_present()) return;
  ContainerFixture f;
  auto tls = test_client_tls();
  tls.client_cert.clear();
  tls.client_key.clear();
  auto out = run_over_tls(f, kTlsUrl, tls);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't': TLS handshake with the Docker daemon at tcp://127.0.0.1:2376 failed: ") == 0);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker tls: a client certificate from another CA is refused and nothing is created") {
  REQUIRE_DOCKER();
  if (!tls_files_present()) return;
  ContainerFixture f;
  auto out = run_over_tls(f, kTlsUrl, foreign_client_tls(f.home()));
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't': TLS handshake with the Docker daemon at tcp://127.0.0.1:2376 failed: ") == 0);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker tls: a plain-text endpoint is a TLS failure, never a fallback") {
  REQUIRE_DOCKER();
  if (!tls_files_present()) return;
  ContainerFixture f;
  PlainHttpListener plain;
  std::string url = "tcp://127.0.0.1:" + std::to_string(plain.port());
  auto out = run_over_tls(f, url, test_client_tls());
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't': TLS handshake with the Docker daemon at " + url + " failed: ") == 0);
  CHECK(plain.connections() >= 1);  // it was asked, and its answer was not taken
  CHECK(containers_of(f.dag.dag_id).empty());
}
