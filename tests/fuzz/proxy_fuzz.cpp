// libFuzzer target for the Docker API proxy's parsers (engine/proxy/): one
// input is the raw bytes of an HTTP request as a client would send them. The
// head goes through parse_request_head; a complete head's method and target
// through route_request; an allowed route through upstream_target; a create
// route's body (the bytes after the head, up to its Content-Length) through
// check_create_body. Any crash, sanitizer report, uncaught exception or
// broken invariant below is a failure. Built by tools/fuzz --target proxy
// (clang, -fsanitize=fuzzer,address,undefined); see docs/testing.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "policy/container_policy.h"
#include "proxy/create_check.h"
#include "proxy/request_head.h"
#include "proxy/route.h"

namespace {

using dagrun::proxy::HeadParse;
using nlohmann::json;

// The create check resolves bind sources on the host, against the home among
// its mount roots: a fixed home, made once, keeps that deterministic. The seed
// corpus's create bodies mount its data/seoul_metro_news_bot/run1.
const std::filesystem::path kHome = "/tmp/dagrun-proxy-fuzz-home";
const std::string kProxyName = "fuzz-proxy";
const std::string kContainerId = "0123abcd";

void require(bool ok, const char* what) {
  if (ok) return;
  // abort() makes libFuzzer save the input as a crash artifact.
  std::fprintf(stderr, "proxy_fuzz: invariant broken: %s\n", what);
  std::abort();
}

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The member of obj whose key matches name without case, as the daemon's
// decoder matches struct fields; nullptr when there is none.
const json* member(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (fold(it.key()) == name) return &it.value();
  return nullptr;
}

bool visible_ascii(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

void check_head(std::string_view input, const HeadParse& p) {
  switch (p.status) {
    case HeadParse::Status::incomplete:
      require(input.find("\r\n\r\n") == std::string_view::npos, "incomplete, yet the input holds a blank line");
      break;
    case HeadParse::Status::refused:
      require(p.http_status == 400 || p.http_status == 411 || p.http_status == 413 || p.http_status == 414 ||
                  p.http_status == 417 || p.http_status == 431,
              "a refused head's status is 400, 411, 413, 414, 417 or 431");
      require(!p.reason.empty(), "a refused head says why");
      break;
    case HeadParse::Status::complete: {
      require(p.head_bytes >= 4 && p.head_bytes <= input.size(), "a complete head lies within the input");
      require(input.substr(p.head_bytes - 4, 4) == "\r\n\r\n", "a complete head ends with its blank line");
      require(p.http_status == 0 && p.reason.empty(), "a complete head is not refused");
      const auto& h = p.head;
      require(!h.method.empty() && visible_ascii(h.method), "the method is a word");
      require(!h.target.empty() && h.target.front() == '/' && visible_ascii(h.target),
              "the target is a path of visible ASCII");
      for (const auto& [name, value] : h.headers) {
        require(!name.empty() && visible_ascii(name), "a header name is a token");
        require(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
                "a header value holds no CR, LF or NUL");
      }
      // The bytes after the head (a body, attach's stdin) do not change it:
      // the head alone parses the same.
      HeadParse alone = dagrun::proxy::parse_request_head(input.substr(0, p.head_bytes));
      require(alone.status == HeadParse::Status::complete && alone.head_bytes == p.head_bytes &&
                  alone.head.content_length == h.content_length && alone.head.target == h.target,
              "the head parses the same without what follows it");
      // The proxy parses what has arrived so far again after each read: a
      // head cut short is more to wait for, never a refusal or a request.
      for (std::size_t cut : {p.head_bytes - 1, p.head_bytes - 2, p.head_bytes / 2}) {
        if (cut == 0) continue;
        HeadParse part = dagrun::proxy::parse_request_head(input.substr(0, cut));
        require(part.status == HeadParse::Status::incomplete, "a complete head's prefix is incomplete");
      }
      break;
    }
  }
}

void check_upstream_target(const dagrun::proxy::Route& route, const std::string& method, const std::string& id) {
  const std::string target = dagrun::proxy::upstream_target(route, id);
  require(!target.empty() && target.front() == '/', "the upstream target starts with '/'");
  require(target.find_first_of(std::string_view("\r\n \0", 4)) == std::string::npos,
          "the upstream target holds no CR, LF, space or NUL");
  const std::string_view path = std::string_view(target).substr(0, target.find('?'));
  require(path.find("..") == std::string_view::npos, "the upstream path holds no '..'");
  require(path.find("//") == std::string_view::npos, "the upstream path holds no '//'");
  // The query is re-encoded: unreserved characters and %XX only, between
  // '=' and '&'. (A value may hold "..", e.g. ?name=a..b, and that is no path.)
  if (path.size() < target.size()) {
    const std::string_view query = std::string_view(target).substr(path.size() + 1);
    for (char c : query) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '_' || c == '.' || c == '~' || c == '%' || c == '=' || c == '&';
      require(ok, "the upstream query holds only unreserved characters, escapes, '=' and '&'");
    }
  }
  // What goes upstream is the same call by the proxy's own reading.
  dagrun::proxy::RouteDecision again = dagrun::proxy::route_request(method, target);
  require(again.route.has_value(), "the upstream target routes again");
  const dagrun::proxy::Route& r = *again.route;
  require(r.kind == route.kind && r.api_version == route.api_version && r.op == route.op &&
              r.query == route.query,
          "the upstream target routes to the same call");
  require(route.kind != dagrun::proxy::RouteKind::container || r.container == id,
          "the upstream target names the container it was given");
}

void check_create(std::string_view body) {
  static const dagrun::ContainerPolicy policy;
  const dagrun::proxy::CreateVerdict v = dagrun::proxy::check_create_body(body, policy, kHome, kProxyName);
  if (!v.allowed) {
    require(v.http_status == 400 || v.http_status == 403, "a refused create body's status is 400 or 403");
    require(!v.reason.empty(), "a refused create body says why");
    require(v.body.empty(), "a refused create body sends nothing upstream");
    return;
  }
  require(v.http_status == 0 && v.reason.empty(), "an allowed create body is not refused");
  const json doc = json::parse(v.body, nullptr, /*allow_exceptions=*/false);
  require(doc.is_object(), "the body sent upstream is a JSON object");
  // Keys matched without case, as the daemon's decoder matches them.
  const json* host = member(doc, "hostconfig");
  require(host && host->is_object(), "the body sent upstream has a HostConfig");
  const json* privileged = member(*host, "privileged");
  require(!privileged || !(privileged->is_boolean() && privileged->get<bool>()),
          "the body sent upstream is not privileged");
  const json* labels = member(doc, "labels");
  require(labels && labels->is_object(), "the body sent upstream has Labels");
  auto it = labels->find(dagrun::proxy::kProxyLabel);
  require(it != labels->end() && it->is_string() && it->get<std::string>() == kProxyName,
          "the body sent upstream carries the proxy's label");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::error_code ec;  // a home that cannot be made is a home without data directories
  std::filesystem::create_directories(kHome / "data" / "seoul_metro_news_bot" / "run1", ec);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const HeadParse p = dagrun::proxy::parse_request_head(input);
  check_head(input, p);
  if (p.status != HeadParse::Status::complete) return 0;

  const dagrun::proxy::RouteDecision d = dagrun::proxy::route_request(p.head.method, p.head.target);
  if (!d.route) {
    require(d.http_status == 400 || d.http_status == 403, "a refused route's status is 400 or 403");
    require(!d.reason.empty(), "a refused route says why");
    return 0;
  }
  require(d.http_status == 0 && d.reason.empty(), "an allowed route is not refused");
  const dagrun::proxy::Route& route = *d.route;
  check_upstream_target(route, p.head.method, kContainerId);
  // Container routes are sent upstream with the id the daemon gave; the name
  // the client wrote must survive the re-encoding as well.
  if (route.kind == dagrun::proxy::RouteKind::container) check_upstream_target(route, p.head.method, route.container);

  if (route.kind == dagrun::proxy::RouteKind::create) {
    const std::string_view rest = input.substr(p.head_bytes);
    check_create(rest.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(rest.size(), p.head.content_length))));
  }
  return 0;
}
