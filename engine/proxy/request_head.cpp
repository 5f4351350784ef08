#include "proxy/request_head.h"

#include <algorithm>
#include <cctype>

namespace dagrun::proxy {
namespace {

HeadParse refuse(int status, std::string reason) {
  HeadParse p;
  p.status = HeadParse::Status::refused;
  p.http_status = status;
  p.reason = std::move(reason);
  return p;
}

// RFC 9110 tchar: what a method and a header name may hold.
bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A field value's bytes: visible ASCII, space and tab. obs-text (bytes >=
// 0x80) is refused: nothing the Docker API needs carries it in a header.
bool is_value_char(unsigned char c) { return c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_token(std::string_view list, std::string_view token) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    if (lower(trim(list.substr(start, comma - start))) == token) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits) {
  // Line endings are CRLF only: Go's server, which the daemon is, also ends a
  // line at a bare LF, so a head the proxy would read as one line could be
  // two to the daemon. A bare CR or LF anywhere is refused, as is NUL.
  for (size_t i = 0; i < buffer.size(); ++i) {
    char c = buffer[i];
    if (c == '\0') return refuse(400, "a NUL byte in the request head");
    if (c == '\n' && (i == 0 || buffer[i - 1] != '\r')) return refuse(400, "a line of the request head ends in a bare LF");
    if (c == '\r' && i + 1 < buffer.size() && buffer[i + 1] != '\n')
      return refuse(400, "a bare CR in the request head");
    if (i + 4 <= buffer.size() && buffer.substr(i, 4) == "\r\n\r\n") break;
  }
  size_t end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > limits.max_head_bytes) {
    if (buffer.size() > limits.max_head_bytes || (end != std::string_view::npos))
      return refuse(431, "the request head is longer than " + std::to_string(limits.max_head_bytes) + " bytes");
    return {};
  }

  HeadParse out;
  out.head_bytes = end + 4;
  RequestHead& head = out.head;
  std::string_view text = buffer.substr(0, end + 2);  // every line with its CRLF

  size_t eol = text.find("\r\n");
  std::string_view line = text.substr(0, eol);
  text.remove_prefix(eol + 2);

  // The request line: METHOD SP target SP HTTP/1.x, single spaces.
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(400, "the request line is not 'METHOD TARGET HTTP/1.1'");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  // Known from here on, for the audit line of a refusal.
  head.method = method.substr(0, 16);
  head.target = target.substr(0, limits.max_target_bytes);
  auto fail = [&](int status, std::string reason) {
    HeadParse p = refuse(status, std::move(reason));
    p.head.method = head.method;
    p.head.target = head.target;
    return p;
  };
  if (method.empty() || method.size() > 16 ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return fail(400, "the method is not an upper-case word");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return fail(400, "the protocol is not HTTP/1.1");
  if (target.empty() || target.front() != '/') return fail(400, "the request target is not a path");
  if (target.size() > limits.max_target_bytes)
    return fail(414, "the request target is longer than " + std::to_string(limits.max_target_bytes) + " bytes");
  if (!std::all_of(target.begin(), target.end(), [](char c) { return c >= 0x21 && c <= 0x7e; }))
    return fail(400, "the request target holds a byte that is not visible ASCII");

  int content_lengths = 0;
  std::string connection, upgrade;
  while (!text.empty()) {
    eol = text.find("\r\n");
    line = text.substr(0, eol);
    text.remove_prefix(eol + 2);
    if (line.front() == ' ' || line.front() == '\t')
      return fail(400, "a folded header line (obsolete line folding is refused)");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(400, "a header line without a name");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); }))
      return fail(400, "the header name '" + std::string(name.substr(0, 64)) + "' is not a token");
    std::string_view value = line.substr(colon + 1);
    if (!std::all_of(value.begin(), value.end(), [](char c) { return is_value_char(static_cast<unsigned char>(c)); }))
      return fail(400, "the value of header '" + std::string(name.substr(0, 64)) + "' holds a control or non-ASCII byte");
    if (head.headers.size() == limits.max_headers)
      return fail(431, "more than " + std::to_string(limits.max_headers) + " header lines");
    head.headers.emplace_back(lower(name), std::string(trim(value)));
    const auto& [key, val] = head.headers.back();

    if (key == "content-length") {
      // One, in plain decimal: a list, a sign, a space inside or a second
      // header (even with the same value) could be framed differently by
      // whatever reads the request next.
      if (++content_lengths > 1) return fail(400, "more than one Content-Length");
      if (val.empty() || val.size() > 18 ||
          !std::all_of(val.begin(), val.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail(400, "Content-Length '" + val.substr(0, 32) + "' is not a decimal number");
      head.content_length = std::stoull(val);
    } else if (key == "transfer-encoding") {
      return fail(400, "Transfer-Encoding is refused: a request body must be sent with a Content-Length");
    } else if (key == "expect") {
      if (lower(val) != "100-continue") return fail(417, "Expect '" + val.substr(0, 32) + "' is not supported");
      head.expect_continue = true;
    } else if (key == "connection") {
      connection += (connection.empty() ? "" : ",") + val;
    } else if (key == "upgrade") {
      if (!upgrade.empty()) return fail(400, "more than one Upgrade header");
      upgrade = lower(val);
    }
  }
  head.upgrade_tcp = has_token(connection, "upgrade") && upgrade == "tcp";
  if (!upgrade.empty() && !head.upgrade_tcp) return fail(400, "only an upgrade to 'tcp' (attach) is supported");
  out.status = HeadParse::Status::complete;
  return out;
}

}  // namespace dagrun::proxy
