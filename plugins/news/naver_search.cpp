#include "naver_search.h"

#include <nlohmann/json.hpp>

#include "html_text.h"
#include "news_time.h"
#include "stage_error.h"
#include "stage_io.h"
#include "url.h"

namespace dagrun::news {
namespace {

using nlohmann::json;

constexpr size_t kBodyExcerpt = 200;

// Naver's error bodies are {"errorMessage": ..., "errorCode": ...}; anything
// else is shown as the start of the body.
std::string error_detail(const HttpResponse& r) {
  const json doc = json::parse(r.body, nullptr, false);
  if (doc.is_object() && doc.contains("errorMessage") && doc["errorMessage"].is_string()) {
    std::string detail = doc["errorMessage"].get<std::string>();
    if (doc.contains("errorCode") && doc["errorCode"].is_string())
      detail += " (errorCode " + doc["errorCode"].get<std::string>() + ")";
    return detail;
  }
  return r.body.empty() ? "empty body" : "body: " + utf8_prefix(r.body, kBodyExcerpt);
}

void throw_for_status(const HttpResponse& r, const std::string& keyword) {
  const std::string code = std::to_string(r.status);
  const std::string detail = error_detail(r);
  if (r.status == 401 || r.status == 403)
    throw config_error("naver rejected the client credentials (" + code + "): " + detail);
  if (r.status == 429) throw StageError("naver rate limit exceeded (429) for '" + keyword + "': " + detail);
  if (r.status >= 500) throw StageError("naver server error (" + code + ") for '" + keyword + "': " + detail);
  if (r.status >= 300 && r.status < 400) {
    const std::string where = r.header("Location").value_or("nowhere");
    throw config_error("naver answered " + code + " (redirect to " + where +
                       "), which the bot does not follow; check NAVER_API_URL");
  }
  throw config_error("naver refused the request (" + code + ") for '" + keyword + "': " + detail);
}

std::string field(const json& item, const char* name, size_t index, const std::string& keyword) {
  const auto it = item.find(name);
  if (it == item.end() || !it->is_string())
    throw StageError("naver response for '" + keyword + "': item " + std::to_string(index) + " has no '" +
                     name + "' string");
  return it->get<std::string>();
}

}  // namespace

HttpRequest naver_request(const NaverSearch& search, const std::string& keyword) {
  HttpRequest r;
  r.method = "GET";
  r.url = with_query(search.api_url, "query=" + url_encode(keyword) + "&display=" + std::to_string(search.display) +
                                         "&sort=date");
  r.headers = {{"X-Naver-Client-Id", search.client_id},
               {"X-Naver-Client-Secret", search.client_secret},
               {"Accept", "application/json"}};
  return r;
}

std::vector<Article> parse_naver_response(const HttpResponse& r, const std::string& keyword) {
  if (r.cancelled) throw StageError("cancelled during the naver request for '" + keyword + "'");
  if (r.transport_failed()) throw StageError("naver request for '" + keyword + "' failed: " + r.error);
  if (r.status != 200) throw_for_status(r, keyword);

  json doc;
  try {
    doc = json::parse(r.body);
  } catch (const json::parse_error& e) {
    throw StageError("naver response for '" + keyword + "' is not valid JSON: " + e.what() +
                     "; the body starts with: " + utf8_prefix(r.body, kBodyExcerpt));
  }
  const auto items = doc.is_object() ? doc.find("items") : doc.end();
  if (!doc.is_object() || items == doc.end() || !items->is_array())
    throw StageError("naver response for '" + keyword + "' has no 'items' list; the body starts with: " +
                     utf8_prefix(r.body, kBodyExcerpt));

  std::vector<Article> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    const json& item = (*items)[i];
    const size_t n = i + 1;
    if (!item.is_object())
      throw StageError("naver response for '" + keyword + "': item " + std::to_string(n) + " is not an object");
    Article a;
    a.keyword = keyword;
    a.title = clean_html_text(field(item, "title", n, keyword));
    a.originallink = field(item, "originallink", n, keyword);
    a.link = field(item, "link", n, keyword);
    a.description = clean_html_text(field(item, "description", n, keyword));
    const std::string pub = field(item, "pubDate", n, keyword);
    const auto date = parse_rfc822(pub);
    if (!date)
      throw StageError("naver response for '" + keyword + "': item " + std::to_string(n) + " has an invalid pubDate '" +
                       utf8_prefix(pub, 60) + "'");
    a.pub_date = date->iso;
    a.pub_unix = date->epoch;
    if (a.link.empty())
      throw StageError("naver response for '" + keyword + "': item " + std::to_string(n) + " has an empty 'link'");
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace dagrun::news
