// The proxy's request parser: the strict subset of HTTP/1.1 it forwards, and
// the framing tricks that would let a daemon read a request the proxy did
// not check.
#include <doctest/doctest.h>

#include <string>

#include "proxy/request_head.h"

using namespace dagrun::proxy;
using Status = HeadParse::Status;

namespace {

HeadParse parse(const std::string& text) { return parse_request_head(text); }

void refused(const std::string& text, int status) {
  CAPTURE(text);
  HeadParse p = parse(text);
  CHECK(p.status == Status::refused);
  CHECK(p.http_status == status);
  CHECK_FALSE(p.reason.empty());
}

}  // namespace

TEST_CASE("a plain request head parses, with its Content-Length and where the body starts") {
  std::string text =
      "POST /v1.41/containers/create?name=x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}";
  HeadParse p = parse(text);
  REQUIRE(p.status == Status::complete);
  CHECK(p.head.method == "POST");
  CHECK(p.head.target == "/v1.41/containers/create?name=x");
  CHECK(p.head.content_length == 2);
  CHECK(p.head_bytes == text.size() - 2);
  CHECK(p.head.headers.size() == 3);
  CHECK(p.head.headers[1].first == "content-type");
  CHECK_FALSE(p.head.upgrade_tcp);
}

TEST_CASE("a head that has not ended yet asks for more bytes, up to the limit") {
  CHECK(parse("GET /_ping HTTP/1.1\r\nHost: d").status == Status::incomplete);
  CHECK(parse("GET /_ping HTTP/1.1\r\n").status == Status::incomplete);
  refused("GET /_ping HTTP/1.1\r\nX: " + std::string(20000, 'a'), 431);
  refused("GET /_ping HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431);
}

TEST_CASE("every way of framing a body other than one plain Content-Length is refused") {
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: +2\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 0x2\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 2 3\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length:\r\n\r\n", 400);
  refused("POST /containers/create HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400);
  // Spaces around the value are optional whitespace, not part of it.
  CHECK(parse("POST /x HTTP/1.1\r\nContent-Length:  7 \r\n\r\n").head.content_length == 7);
}

TEST_CASE("line endings, folding and header names that another parser could split differently are refused") {
  refused("GET /_ping HTTP/1.1\nHost: docker\n\n", 400);
  refused("GET /_ping HTTP/1.1\r\nHost: docker\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\nHost: do\rcker\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\nHost: docker\r\n X-Folded: yes\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\nBad Name: x\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\n: x\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1\r\nNoColon\r\n\r\n", 400);
  static constexpr char kNul[] = "GET /_ping HTTP/1.1\r\nX: a\0b\r\n\r\n";
  refused(std::string(kNul, sizeof kNul - 1), 400);
  refused("GET /_ping HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", 400);
}

TEST_CASE("the request line has exactly three parts, a known protocol and a path") {
  refused("GET  /_ping HTTP/1.1\r\n\r\n", 400);
  refused("GET /_ping HTTP/1.1 x\r\n\r\n", 400);
  refused("GET /_ping HTTP/2.0\r\n\r\n", 400);
  refused("get /_ping HTTP/1.1\r\n\r\n", 400);
  refused("GET http://docker/_ping HTTP/1.1\r\n\r\n", 400);
  refused("GET * HTTP/1.1\r\n\r\n", 400);
  refused("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414);
  CHECK(parse("GET /_ping HTTP/1.0\r\n\r\n").status == Status::complete);
}

TEST_CASE("Expect and Upgrade: only 100-continue and attach's upgrade to tcp") {
  HeadParse p = parse("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  REQUIRE(p.status == Status::complete);
  CHECK(p.head.expect_continue);
  refused("POST /x HTTP/1.1\r\nExpect: something-else\r\n\r\n", 417);
  p = parse("POST /containers/a/attach HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  REQUIRE(p.status == Status::complete);
  CHECK(p.head.upgrade_tcp);
  refused("POST /containers/a/attach HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 400);
  refused("POST /x HTTP/1.1\r\nUpgrade: tcp\r\nUpgrade: tcp\r\n\r\n", 400);
}

TEST_CASE("more header lines than the limit are refused") {
  std::string text = "GET /_ping HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) text += "X-" + std::to_string(i) + ": y\r\n";
  refused(text + "\r\n", 431);
}
