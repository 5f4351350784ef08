// HttpClient on libcurl (one easy handle per request).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "http_client.h"

namespace dagrun::news {

struct CurlOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  // Empty: no proxy at all, whatever http_proxy/https_proxy say (CI machines
  // set them for unrelated reasons, and a proxy would see the secrets).
  std::string proxy;
};

class CurlHttpClient : public HttpClient {
 public:
  // cancelled is polled during transfers; a true aborts the request.
  CurlHttpClient(CurlOptions options, std::function<bool()> cancelled);
  HttpResponse send(const HttpRequest& request) override;

 private:
  CurlOptions options_;
  std::function<bool()> cancelled_;
};

}  // namespace dagrun::news
