// HTTP/1.1 to one Docker daemon over libcurl: a unix socket, or TCP with TLS
// that always verifies the daemon's certificate (there is no fallback to an
// unverified or plain-text connection). An HttpSession is one curl multi
// handle: every request of a try runs in it, so they share its connections,
// and the long-lived ones (attach, wait) are serviced while short ones run,
// in one poll that also watches the cancel token's fd and the try's deadline.
// A session is used by one thread and lives for one try.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "exec/docker/docker_endpoint.h"

struct curl_slist;  // <curl/curl.h>, which this header keeps out of its includers

namespace dagrun {

// curl's handles, each freed by its deleter when its owner goes. The deleters
// are defined in http_transport.cpp, the one file that includes curl.h. CURL
// and CURLM are opaque (void, or undefined structs under CURL_STRICTER), so
// the easy and multi handles are held as void*.
struct CurlEasyCleanup {
  void operator()(void* easy) const;  // curl_easy_cleanup
};
struct CurlMultiCleanup {
  void operator()(void* multi) const;  // curl_multi_cleanup
};
struct CurlSlistFree {
  void operator()(curl_slist* list) const;  // curl_slist_free_all
};
using CurlEasy = std::unique_ptr<void, CurlEasyCleanup>;
using CurlMulti = std::unique_ptr<void, CurlMultiCleanup>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistFree>;

enum class TransportFailure {
  none,         // a response arrived (whatever its status)
  unreachable,  // no connection: refused, no socket, unknown host
  tls,          // the TLS handshake failed or the daemon rejected our certificate
  timeout,      // no complete answer in time
  other,        // the connection broke, or curl failed otherwise
};

// What a failed curl transfer (a CURLcode, curl's message, and whether any
// of the request was sent) means. With TLS 1.3 a daemon that rejects the
// client's certificate says so only after the handshake, with an alert or
// by closing the connection, so on a TLS connection a send or receive
// error counts as a TLS failure when it speaks of SSL or when the
// connection closed before the request could be sent.
TransportFailure classify_curl_error(int curl_code, bool tls, std::string_view text, bool request_sent = true);

struct HttpRequest {
  std::string method = "GET";  // GET, POST or DELETE
  std::string path;            // with the query: "/v1.41/containers/create?name=x"
  std::string body;            // sent as application/json (POST)
  std::chrono::milliseconds timeout{0};  // the whole request; 0: no limit
};

struct HttpResponse {
  long status = 0;  // 0 when no response arrived
  std::string body; // unless streamed to a BodySink (error bodies are always kept here)
  TransportFailure failure = TransportFailure::none;
  std::string error;  // curl's reason when failure != none
};

// Receives a 2xx response's body as it arrives.
using BodySink = std::function<void(std::string_view bytes)>;

class HttpSession;

class HttpCall {
 public:
  ~HttpCall();  // aborts the request if it is still running (takes it out of the session)
  HttpCall(const HttpCall&) = delete;
  HttpCall& operator=(const HttpCall&) = delete;

  // The status line and headers arrived (or the call is over): for attach and
  // wait, the daemon has registered the request once this is true.
  bool headers_done() const { return headers_done_ || done_; }
  bool done() const { return done_; }
  const HttpResponse& response() const { return response_; }

 private:
  friend class HttpSession;
  HttpCall(HttpSession& session, HttpRequest request, BodySink sink);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);
  void finish(int curl_code);

  HttpSession& session_;
  HttpRequest request_;
  BodySink sink_;
  // Declared before easy_, so freed after it: the handle points at the list.
  CurlSlist headers_;
  CurlEasy easy_;
  char error_[256] = {};
  bool headers_done_ = false;
  bool done_ = false;
  HttpResponse response_;
};

class HttpSession {
 public:
  explicit HttpSession(DockerEndpoint endpoint);  // throws std::runtime_error when curl cannot start
  // Every HttpCall it began must be gone first: a call takes itself out of
  // the multi handle when it ends.
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  const DockerEndpoint& endpoint() const { return endpoint_; }

  // Starts a request; it progresses while the session runs (run_until, perform).
  std::unique_ptr<HttpCall> begin(HttpRequest request, BodySink sink = {});
  // Runs one request to its end, servicing the others meanwhile.
  HttpResponse perform(HttpRequest request);

  enum class Wake { ready, deadline, cancelled };
  // Services every running request until ready() holds, the deadline passes
  // or cancel_fd (when >= 0) becomes readable.
  Wake run_until(const std::function<bool()>& ready,
                 std::optional<std::chrono::steady_clock::time_point> deadline, int cancel_fd = -1);

 private:
  friend class HttpCall;
  void pump();
  void configure(HttpCall& call);

  DockerEndpoint endpoint_;
  std::string base_url_;
  std::string connect_to_;
  // Declared before multi_, so freed after it: the transfers point at it.
  CurlSlist connect_to_list_;
  CurlMulti multi_;
};

}  // namespace dagrun
