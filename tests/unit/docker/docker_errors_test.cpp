#include <doctest/doctest.h>
#include <curl/curl.h>

#include <type_traits>

#include "../exec/exec_test_support.h"
#include "exec/docker/docker_client.h"
#include "exec/docker/docker_errors.h"

using namespace dagrun;
using namespace dagrun::testing;

// A session and a call own curl handles: a copy would free them twice, and a
// call holds its session by reference, so neither may be copied or moved.
static_assert(!std::is_copy_constructible_v<HttpSession> && !std::is_copy_assignable_v<HttpSession>);
static_assert(!std::is_move_constructible_v<HttpSession> && !std::is_move_assignable_v<HttpSession>);
static_assert(!std::is_copy_constructible_v<HttpCall> && !std::is_copy_assignable_v<HttpCall>);
static_assert(!std::is_move_constructible_v<HttpCall> && !std::is_move_assignable_v<HttpCall>);

namespace {

DockerEndpoint unix_endpoint(const std::string& path = "/var/run/docker.sock") {
  DockerEndpoint ep;
  ep.socket_path = path;
  ep.url = "unix://" + path;
  return ep;
}

DockerEndpoint tls_endpoint() {
  DockerEndpoint ep;
  ep.host = "127.0.0.1";
  ep.port = 2376;
  ep.url = "tcp://127.0.0.1:2376";
  ep.tls = DockerTlsFiles{};
  return ep;
}

HttpResponse answer(long status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse no_answer(TransportFailure failure, std::string error) {
  HttpResponse r;
  r.failure = failure;
  r.error = std::move(error);
  return r;
}

}  // namespace

TEST_CASE("a missing image says the engine does not pull, and is not retried") {
  auto e = response_error(unix_endpoint(), "create", "nosuch:latest",
                          answer(404, R"({"message":"No such image: nosuch:latest"})"));
  CHECK(std::string(e.what()) ==
        "image 'nosuch:latest' not found on the Docker daemon at unix:///var/run/docker.sock "
        "(dagrun does not pull: build or load the image there)");
  CHECK_FALSE(e.retryable());
}

TEST_CASE("a bind source missing on the daemon's host explains where paths are resolved") {
  auto e = response_error(
      unix_endpoint(), "create", "img",
      answer(400, R"({"message":"invalid mount config for type \"bind\": bind source path does not exist: /a/b"})"));
  std::string text = e.what();
  CHECK(text.find("bind source path /a/b does not exist on the host of the Docker daemon at "
                  "unix:///var/run/docker.sock") == 0);
  CHECK(text.find("resolved on the daemon's machine, not the engine's") != std::string::npos);
  CHECK(text.find("Docker-out-of-Docker") != std::string::npos);
  CHECK_FALSE(e.retryable());
}

TEST_CASE("a name conflict points at a leftover container") {
  auto e = response_error(unix_endpoint(), "create", "img",
                          answer(409, R"({"message":"Conflict. The container name \"/dagrun-etl-load-1\" is already )"
                                      R"(in use by container \"4cd8b\". You have to remove (or rename) that )"
                                      R"(container to be able to reuse that name."})"));
  std::string text = e.what();
  CHECK(text.find("a container named 'dagrun-etl-load-1' already exists on the Docker daemon at") == 0);
  CHECK(text.find("left over from an earlier try") != std::string::npos);
  CHECK_FALSE(e.retryable());
}

TEST_CASE("a command that cannot start is reported without the runtime's noise") {
  auto e = response_error(unix_endpoint(), "start", "img",
                          answer(400, R"({"message":"failed to create shim task: OCI runtime create failed: runc )"
                                      R"(create failed: unable to start container process: exec: \"nosuchcmd\": )"
                                      R"(executable file not found in $PATH: unknown"})"));
  CHECK(std::string(e.what()) == "the container could not start on the Docker daemon at unix:///var/run/docker.sock: "
                                 "exec: \"nosuchcmd\": executable file not found in $PATH");
  CHECK_FALSE(e.retryable());
}

TEST_CASE("an unknown network, other refusals and internal daemon errors") {
  auto net = response_error(unix_endpoint(), "start", "img", answer(404, R"({"message":"network shared not found"})"));
  CHECK(std::string(net.what()).find("network shared not found on the Docker daemon at") == 0);
  CHECK_FALSE(net.retryable());

  auto refused = response_error(unix_endpoint(), "create", "img", answer(400, R"({"message":"No command specified"})"));
  CHECK(std::string(refused.what()) ==
        "the Docker daemon at unix:///var/run/docker.sock refused to create the container (HTTP 400): No command "
        "specified");
  CHECK_FALSE(refused.retryable());

  auto internal = response_error(unix_endpoint(), "start", "img", answer(500, "driver failed\n"));
  CHECK(std::string(internal.what()) ==
        "the Docker daemon at unix:///var/run/docker.sock failed to start the container: driver failed");
  CHECK(internal.retryable());
}

TEST_CASE("an unreachable daemon is retried, and a missing socket is named") {
  TempDir dir;
  auto ep = unix_endpoint((dir.path() / "docker.sock").string());
  auto e = transport_error(ep, no_answer(TransportFailure::unreachable, "Couldn't connect to server"));
  CHECK(std::string(e.what()) == "cannot reach the Docker daemon at " + ep.url + ": no socket at " + ep.socket_path +
                                     " (is dockerd running?)");
  CHECK(e.retryable());

  auto t = transport_error(tls_endpoint(), no_answer(TransportFailure::timeout, "Connection timed out after 10001 ms"));
  CHECK(std::string(t.what()) ==
        "cannot reach the Docker daemon at tcp://127.0.0.1:2376: Connection timed out after 10001 ms");
  CHECK(t.retryable());
}

TEST_CASE("a TLS failure is never retried") {
  auto e = transport_error(tls_endpoint(), no_answer(TransportFailure::tls, "SSL certificate problem"));
  CHECK(std::string(e.what()) ==
        "TLS handshake with the Docker daemon at tcp://127.0.0.1:2376 failed: SSL certificate problem");
  CHECK_FALSE(e.retryable());
  // request_error picks the transport's story when there was no answer.
  auto r = request_error(tls_endpoint(), "create", "img", no_answer(TransportFailure::tls, "bad"));
  CHECK(std::string(r.what()).find("TLS handshake") == 0);
}

TEST_CASE("curl's failures are classified, read errors on TLS that speak of SSL included") {
  CHECK(classify_curl_error(CURLE_OK, false, "") == TransportFailure::none);
  CHECK(classify_curl_error(CURLE_COULDNT_CONNECT, false, "") == TransportFailure::unreachable);
  CHECK(classify_curl_error(CURLE_OPERATION_TIMEDOUT, true, "") == TransportFailure::timeout);
  CHECK(classify_curl_error(CURLE_PEER_FAILED_VERIFICATION, true, "") == TransportFailure::tls);
  CHECK(classify_curl_error(CURLE_SSL_CONNECT_ERROR, true, "wrong version number") == TransportFailure::tls);
  CHECK(classify_curl_error(CURLE_RECV_ERROR, true, "OpenSSL SSL_read: tlsv13 alert certificate required") ==
        TransportFailure::tls);
  CHECK(classify_curl_error(CURLE_RECV_ERROR, true, "Connection reset by peer") == TransportFailure::other);
  // Closed before the request went out: the daemon rejected the client after the handshake.
  CHECK(classify_curl_error(CURLE_SEND_ERROR, true, "getpeername() failed with errno 107", false) ==
        TransportFailure::tls);
  CHECK(classify_curl_error(CURLE_SEND_ERROR, false, "Broken pipe", false) == TransportFailure::other);
  CHECK(classify_curl_error(CURLE_RECV_ERROR, false, "SSL") == TransportFailure::other);
}

TEST_CASE("daemon_message reads the JSON message, else keeps the body") {
  CHECK(daemon_message(R"({"message":"boom"})") == "boom");
  CHECK(daemon_message("plain text\n") == "plain text");
  CHECK(daemon_message(R"({"other":1})") == R"({"other":1})");
}

TEST_CASE("api versions: the daemon's, capped at the newest the client speaks, refused when too old") {
  auto ep = unix_endpoint();
  CHECK(negotiate_api_version("1.41", ep) == "1.41");
  CHECK(negotiate_api_version("1.45", ep) == "1.41");
  CHECK(negotiate_api_version("1.32", ep) == "1.32");
  try {
    negotiate_api_version("1.24", ep);
    FAIL("expected an error");
  } catch (const DockerError& e) {
    CHECK(std::string(e.what()).find("speaks API 1.24; dagrun needs 1.30 or newer") != std::string::npos);
    CHECK_FALSE(e.retryable());
  }
  CHECK_THROWS_AS(negotiate_api_version("", ep), DockerError);
  CHECK_THROWS_AS(negotiate_api_version("2.0", ep), DockerError);
}

TEST_CASE("wait answers give the exit code or the daemon's error") {
  CHECK(parse_wait_body(R"({"StatusCode":3,"Error":null})").exit_code == 3);
  auto failed = parse_wait_body(R"({"StatusCode":-1,"Error":{"Message":"container gone"}})");
  CHECK(failed.error == "container gone");
  CHECK_FALSE(parse_wait_body("garbage").exit_code);
  CHECK_FALSE(parse_wait_body("{}").exit_code);
}

TEST_CASE("query values are percent-encoded") {
  CHECK(url_encode("dagrun-a_b.c~d") == "dagrun-a_b.c~d");
  CHECK(url_encode(R"({"label":["a=b"]})") == "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
}
