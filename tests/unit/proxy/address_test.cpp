// The proxy's --listen and --upstream addresses: what is taken, and every
// malformed one refused with its reason before anything is opened.
#include <doctest/doctest.h>

#include "proxy/address.h"

using namespace dagrun::proxy;

namespace {

std::string refusal(std::string_view value, bool listener = true) {
  std::string why;
  auto a = parse_proxy_address(value, listener, &why);
  CHECK_FALSE(a.has_value());
  return why;
}

}  // namespace

TEST_CASE("unix sockets and tcp addresses are taken as written") {
  auto a = parse_proxy_address("unix:///run/dagrun/docker.sock", true, nullptr);
  REQUIRE(a);
  CHECK(a->is_unix());
  CHECK(a->socket == "/run/dagrun/docker.sock");
  CHECK(a->text() == "unix:/run/dagrun/docker.sock");
  auto b = parse_proxy_address("unix:/tmp/p.sock", false, nullptr);
  REQUIRE(b);
  CHECK(b->socket == "/tmp/p.sock");
  auto c = parse_proxy_address("tcp://127.0.0.1:2377", true, nullptr);
  REQUIRE(c);
  CHECK_FALSE(c->is_unix());
  CHECK(c->host == "127.0.0.1");
  CHECK(c->port == 2377);
  auto d = parse_proxy_address("tcp://[::1]:0", true, nullptr);
  REQUIRE(d);
  CHECK(d->host == "[::1]");
  CHECK(bare_host(d->host) == "::1");
  CHECK(d->text() == "tcp://[::1]:0");
  auto e = parse_proxy_address("tcp://docker.internal:2376", false, nullptr);
  REQUIRE(e);
  CHECK(e->host == "docker.internal");
}

TEST_CASE("malformed addresses are refused with the reason") {
  CHECK(refusal("/run/docker.sock").find("unix:/PATH or tcp://HOST:PORT") != std::string::npos);
  CHECK(refusal("unix:relative.sock").find("absolute") != std::string::npos);
  CHECK(refusal("unix:").find("absolute") != std::string::npos);
  CHECK(refusal("unix:/" + std::string(200, 'a')).find("107") != std::string::npos);
  CHECK(refusal(std::string("unix:/a\0b", 9)).find("NUL") != std::string::npos);
  CHECK(refusal("http://127.0.0.1:2375").find("expected") != std::string::npos);
  CHECK(refusal("tcp://127.0.0.1").find("HOST:PORT") != std::string::npos);
  CHECK(refusal("tcp://:2376").find("HOST:PORT") != std::string::npos);
  CHECK(refusal("tcp://127.0.0.1:http").find("number") != std::string::npos);
  CHECK(refusal("tcp://127.0.0.1:65536").find("65535") != std::string::npos);
  CHECK(refusal("tcp://127.0.0.1:123456").find("65535") != std::string::npos);
  CHECK(refusal("tcp://127.0.0.1:-1").find("number") != std::string::npos);
  CHECK(refusal("tcp://::1:2376").find("character") != std::string::npos);
  CHECK(refusal("tcp://[::1:2376").find("brackets") != std::string::npos);
  CHECK(refusal("tcp://h/x:2376").find("character") != std::string::npos);
  CHECK(refusal("tcp://h%2f:2376").find("character") != std::string::npos);
  CHECK(refusal("tcp://" + std::string(300, 'a') + ":1").find("253") != std::string::npos);
}

TEST_CASE("port 0 (any free port) is for a listener, never for the daemon") {
  CHECK(parse_proxy_address("tcp://127.0.0.1:0", true, nullptr).has_value());
  CHECK(refusal("tcp://127.0.0.1:0", false).find("from 1 to 65535") != std::string::npos);
}
