#include "exec/docker/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;

constexpr long kConnectTimeoutMs = 10'000;
constexpr std::size_t kMaxErrorBody = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* easy(void* p) { return static_cast<CURL*>(p); }
CURLM* multi(void* p) { return static_cast<CURLM*>(p); }

// curl_slist_append returns null, and leaves the list as it was, when it
// cannot allocate: a header or a connect-to rule must never go missing quietly.
void append(CurlSlist& list, const std::string& text) {
  curl_slist* head = curl_slist_append(list.get(), text.c_str());
  if (!head) throw std::runtime_error("cannot allocate a libcurl list");
  if (!list) list.reset(head);  // else head is the list's own first node
}

bool mentions_tls(std::string_view text) {
  for (std::string_view word : {"SSL", "TLS", "alert", "certificate"})
    if (text.find(word) != std::string_view::npos) return true;
  return false;
}

}  // namespace

void CurlEasyCleanup::operator()(void* h) const { curl_easy_cleanup(easy(h)); }
void CurlMultiCleanup::operator()(void* h) const { curl_multi_cleanup(multi(h)); }
void CurlSlistFree::operator()(curl_slist* list) const { curl_slist_free_all(list); }

TransportFailure classify_curl_error(int curl_code, bool tls, std::string_view text, bool request_sent) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return TransportFailure::none;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportFailure::unreachable;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportFailure::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return TransportFailure::tls;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return tls && (mentions_tls(text) || !request_sent) ? TransportFailure::tls : TransportFailure::other;
    default:
      return TransportFailure::other;
  }
}

HttpCall::HttpCall(HttpSession& session, HttpRequest request, BodySink sink)
    : session_(session), request_(std::move(request)), sink_(std::move(sink)) {}

// The members free the handle and its headers; a transfer still running must
// first leave the multi handle, which would otherwise keep servicing it.
// Removing one that pump() already removed is a no-op.
HttpCall::~HttpCall() {
  if (easy_) curl_multi_remove_handle(multi(session_.multi_.get()), easy(easy_.get()));
}

std::size_t HttpCall::on_header(char* data, std::size_t size, std::size_t n, void* self) {
  auto* call = static_cast<HttpCall*>(self);
  std::string_view line(data, size * n);
  if (line == "\r\n" || line == "\n") {
    long status = 0;
    curl_easy_getinfo(easy(call->easy_.get()), CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200) {  // not an interim 1xx response
      call->response_.status = status;
      call->headers_done_ = true;
    }
  }
  return size * n;
}

std::size_t HttpCall::on_body(char* data, std::size_t size, std::size_t n, void* self) {
  auto* call = static_cast<HttpCall*>(self);
  std::string_view bytes(data, size * n);
  bool success = call->response_.status >= 200 && call->response_.status < 300;
  try {
    if (call->sink_ && success) {
      call->sink_(bytes);
    } else if (call->response_.body.size() < kMaxErrorBody || success) {
      call->response_.body.append(bytes);
    }
  } catch (...) {
    return 0;  // no exception may cross libcurl's C frames: abort the transfer instead
  }
  return size * n;
}

void HttpCall::finish(int code) {
  done_ = true;
  long status = 0;
  curl_easy_getinfo(easy(easy_.get()), CURLINFO_RESPONSE_CODE, &status);
  response_.status = status;
  if (code != CURLE_OK) {
    long sent = 0;
    curl_easy_getinfo(easy(easy_.get()), CURLINFO_REQUEST_SIZE, &sent);
    response_.error = error_[0] ? error_ : curl_easy_strerror(static_cast<CURLcode>(code));
    while (!response_.error.empty() && response_.error.back() == '\n') response_.error.pop_back();
    response_.failure = classify_curl_error(code, session_.endpoint_.tls.has_value(), response_.error, sent > 0);
    if (response_.failure == TransportFailure::tls && !mentions_tls(response_.error))
      response_.error += " (the daemon closed the connection after the handshake: it did not accept the client "
                         "certificate, or none was given)";
  }
}

HttpSession::HttpSession(DockerEndpoint endpoint) : endpoint_(std::move(endpoint)) {
  global_init();
  multi_.reset(curl_multi_init());
  if (!multi_) throw std::runtime_error("cannot initialise libcurl");
  if (endpoint_.is_unix()) {
    base_url_ = "http://docker";
  } else {
    // Verify the certificate as tls.hostname while connecting to the URL's host.
    const std::string& name = endpoint_.tls->hostname.empty() ? endpoint_.host : endpoint_.tls->hostname;
    std::string port = std::to_string(endpoint_.port);
    base_url_ = "https://" + name + ":" + port;
    if (name != endpoint_.host) {
      connect_to_ = name + ":" + port + ":" + endpoint_.host + ":" + port;
      append(connect_to_list_, connect_to_);
    }
  }
}

void HttpSession::configure(HttpCall& call) {
  CURL* h = easy(call.easy_.get());
  const HttpRequest& r = call.request_;
  std::string url = base_url_ + r.path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PRIVATE, &call);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, call.error_);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));  // attach needs HTTP/1.1
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  if (r.timeout.count() > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &HttpCall::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &call);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &HttpCall::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &call);

  if (endpoint_.is_unix()) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, endpoint_.socket_path.c_str());
  } else {
    const DockerTlsFiles& tls = *endpoint_.tls;
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!tls.ca_cert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_cert.c_str());
    if (!tls.client_cert.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLCERT, tls.client_cert.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY, tls.client_key.c_str());
    }
    if (connect_to_list_) curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to_list_.get());
  }

  // No "Expect: 100-continue": it would hold a create body back waiting for
  // an interim answer.
  append(call.headers_, "Expect:");
  if (r.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    if (!r.body.empty()) append(call.headers_, "Content-Type: application/json");
  } else if (r.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, call.headers_.get());
}

std::unique_ptr<HttpCall> HttpSession::begin(HttpRequest request, BodySink sink) {
  std::unique_ptr<HttpCall> call(new HttpCall(*this, std::move(request), std::move(sink)));
  call->easy_.reset(curl_easy_init());
  if (!call->easy_) throw std::runtime_error("cannot initialise a libcurl handle");
  configure(*call);
  if (curl_multi_add_handle(multi(multi_.get()), easy(call->easy_.get())) != CURLM_OK)
    throw std::runtime_error("cannot start a libcurl transfer");
  return call;
}

void HttpSession::pump() {
  int running = 0;
  curl_multi_perform(multi(multi_.get()), &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi(multi_.get()), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    HttpCall* call = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &call);
    CURLcode code = msg->data.result;
    // Done transfers leave the multi handle at once; their connection stays
    // in its cache for the next request of the try.
    curl_multi_remove_handle(multi(multi_.get()), msg->easy_handle);
    if (call) call->finish(code);
  }
}

HttpSession::Wake HttpSession::run_until(const std::function<bool()>& ready,
                                         std::optional<Clock::time_point> deadline, int cancel_fd) {
  bool cancel_seen = false;
  for (;;) {
    pump();
    if (ready()) return Wake::ready;
    if (cancel_seen) return Wake::cancelled;
    int timeout_ms = 1000;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return Wake::deadline;
      timeout_ms = static_cast<int>(std::min<long long>(left, timeout_ms));
    }
    curl_waitfd extra{cancel_fd, CURL_WAIT_POLLIN, 0};
    curl_multi_poll(multi(multi_.get()), cancel_fd >= 0 ? &extra : nullptr, cancel_fd >= 0 ? 1 : 0, timeout_ms,
                    nullptr);
    cancel_seen = cancel_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN);
  }
}

HttpResponse HttpSession::perform(HttpRequest request) {
  auto call = begin(std::move(request));
  run_until([&] { return call->done(); }, std::nullopt);
  return call->response();
}

}  // namespace dagrun
