// Where the proxy listens and where its daemon is: "unix:PATH",
// "unix://PATH" (PATH absolute) or "tcp://HOST:PORT" (HOST a name, an IPv4
// address or a bracketed IPv6 one). Checked before anything is opened.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dagrun::proxy {

struct ProxyAddress {
  std::filesystem::path socket;  // unix
  std::string host;              // tcp: as written, brackets kept
  int port = 0;                  // tcp

  bool is_unix() const { return !socket.empty(); }
  std::string text() const;  // unix:/PATH or tcp://HOST:PORT
};

// Port 0 (any free port) is allowed for a listener only. On failure, why
// says what is wrong.
std::optional<ProxyAddress> parse_proxy_address(std::string_view value, bool listener, std::string* why);

// HOST without the brackets of an IPv6 literal.
std::string bare_host(const std::string& host);

}  // namespace dagrun::proxy
