#include "exec/webhook.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace dagrun {
namespace {

constexpr size_t kKeptAnswer = 200;  // bytes of the answer an error quotes

struct Answer {
  std::string head;
};

size_t keep_head(char* data, size_t size, size_t n, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const size_t bytes = size * n;
  if (answer->head.size() < kKeptAnswer)
    answer->head.append(data, std::min(bytes, kKeptAnswer - answer->head.size()));
  return bytes;
}

// curl's progress callback: a non-zero return aborts the transfer.
int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const CancelToken*>(user)->cancelled() ? 1 : 0;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

}  // namespace

WebhookResult post_webhook(const std::string& url, const std::string& body, Duration timeout,
                           const CancelToken& cancel) {
  WebhookResult out;
  static std::once_flag once;  // before any thread's first handle
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) {
    out.error = "cannot start an HTTP request";
    return out;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
  Answer answer;
  char message[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // The loader allowed http and https only; curl is told the same, for
  // redirects too (which are not followed anyway).
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "dagrun-callback");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_head);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancel);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, message);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (rc == CURLE_ABORTED_BY_CALLBACK) out.error = "cancelled: " + cancel.reason();
    else out.error = one_line(message[0] ? message : curl_easy_strerror(rc));
    return out;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  out.ok = out.status >= 200 && out.status < 300;
  if (!out.ok) {
    out.error = "HTTP " + std::to_string(out.status);
    if (!answer.head.empty()) out.error += ": " + one_line(answer.head);
  }
  return out;
}

}  // namespace dagrun
