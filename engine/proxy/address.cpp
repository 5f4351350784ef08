#include "proxy/address.h"

namespace dagrun::proxy {
namespace {

constexpr std::size_t kMaxHost = 253;  // the longest DNS name

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == ':' || c == '_';
}

}  // namespace

std::string ProxyAddress::text() const {
  return is_unix() ? "unix:" + socket.string() : "tcp://" + host + ":" + std::to_string(port);
}

std::string bare_host(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::optional<ProxyAddress> parse_proxy_address(std::string_view value, bool listener, std::string* why) {
  auto fail = [&](std::string text) -> std::optional<ProxyAddress> {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  ProxyAddress a;
  if (value.starts_with("unix:")) {
    std::string_view path = value.substr(value.starts_with("unix://") ? 7 : 5);
    if (path.empty() || path.front() != '/') return fail("the socket path must be absolute (unix:/PATH)");
    if (path.find('\0') != std::string_view::npos) return fail("the socket path holds a NUL byte");
    if (path.size() > 107) return fail("the socket path is longer than 107 bytes");
    a.socket = std::string(path);
    return a;
  }
  if (!value.starts_with("tcp://")) return fail("expected unix:/PATH or tcp://HOST:PORT");
  std::string_view rest = value.substr(6);
  std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return fail("expected tcp://HOST:PORT");
  std::string_view host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() > kMaxHost + 2) return fail("the host is longer than 253 bytes");
  const bool bracketed = host.front() == '[';
  if (bracketed != (host.back() == ']') || (bracketed && host.size() < 3))
    return fail("an IPv6 address goes in brackets: tcp://[::1]:PORT");
  std::string_view inner = bracketed ? host.substr(1, host.size() - 2) : host;
  for (char c : inner)
    if (!host_char(c) || (c == ':' && !bracketed)) return fail("the host holds a character no host name has");
  if (port.empty() || port.size() > 5) return fail("the port must be a number from " + std::string(listener ? "0" : "1") + " to 65535");
  int n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return fail("the port must be a number");
    n = n * 10 + (c - '0');
  }
  if (n > 65535 || (n == 0 && !listener))
    return fail("the port must be a number from " + std::string(listener ? "0" : "1") + " to 65535");
  a.host = std::string(host);
  a.port = n;
  return a;
}

}  // namespace dagrun::proxy
