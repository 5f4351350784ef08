// The head of one HTTP/1.1 request to the Docker API proxy, parsed strictly.
//
// Our own parser rather than Boost.Beast's: the proxy must refuse what a
// tolerant parser accepts and a daemon might read differently (Beast takes
// a repeated Content-Length with equal values and a Transfer-Encoding other
// than chunked, and resolves both itself), and a strict subset is what the
// proxy needs: one request line, header lines, a Content-Length and nothing
// that frames a body otherwise. Anything outside that subset is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dagrun::proxy {

struct RequestHead {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the request target as sent: "/v1.41/containers/create?name=x"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::uint64_t content_length = 0;  // 0 when the head has none
  bool expect_continue = false;      // Expect: 100-continue
  bool upgrade_tcp = false;          // Connection: Upgrade with Upgrade: tcp (attach's hijack)
};

struct HeadLimits {
  std::size_t max_head_bytes = 16 * 1024;
  std::size_t max_headers = 64;
  std::size_t max_target_bytes = 8 * 1024;
};

struct HeadParse {
  enum class Status { incomplete, complete, refused };
  Status status = Status::incomplete;
  std::size_t head_bytes = 0;  // complete: the head's length, its blank line included
  RequestHead head;
  int http_status = 0;         // refused: the answer's status (400, 417, 431, ...)
  std::string reason;          // refused: why, for the client and the audit log
};

// buffer holds what the client has sent so far. incomplete: more bytes are
// needed (and the buffer is still under the limit).
HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits = {});

}  // namespace dagrun::proxy
