// The stages' only door to the network, so their logic is tested with a fake
// and the libcurl client is tested end to end against the stand-in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dagrun::news {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;
  Headers headers;
  std::string body;  // sent for POST
};

struct HttpResponse {
  long status = 0;  // 0 when no response arrived
  Headers headers;  // names as the server sent them
  std::string body;
  std::string error;  // set when the transfer failed (DNS, connect, timeout, reset, cancelled)
  bool cancelled = false;

  bool transport_failed() const { return !error.empty(); }
  // The first header with this name, compared without case.
  std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Never throws; transport failures come back in HttpResponse::error.
  // Redirects are never followed: a 3xx is returned as it is.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

}  // namespace dagrun::news
