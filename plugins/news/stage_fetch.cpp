#include "stage_fetch.h"

#include <nlohmann/json.hpp>

#include "naver_search.h"

namespace dagrun::news {

void fetch_news(const NewsConfig& config, StageIo& io) {
  NaverSearch search;
  search.client_id = config.require("NAVER_CLIENT_ID");
  search.client_secret = config.require("NAVER_CLIENT_SECRET");
  search.api_url = config.get("NAVER_API_URL", kDefaultNaverUrl);
  search.display = config.get_int("NEWS_DISPLAY", 20, 1, 100);
  const std::vector<std::string> keywords = config.keywords();

  std::vector<Article> all;
  for (const std::string& keyword : keywords) {
    check_cancelled(io, "before searching for '" + keyword + "'");
    const HttpRequest request = naver_request(search, keyword);
    io.host.info("GET " + request.url);
    std::vector<Article> found = parse_naver_response(io.http->send(request), keyword);
    io.host.info("'" + keyword + "': " + std::to_string(found.size()) + " articles");
    for (Article& a : found) all.push_back(std::move(a));
  }

  write_articles_file(io.run_dir / kFetchedFile, all);
  io.host.info("wrote " + std::to_string(all.size()) + " articles for " + std::to_string(keywords.size()) +
               " keywords to " + (io.run_dir / kFetchedFile).string());
  io.host.xcom_push("summary", nlohmann::json{{"fetched", all.size()}, {"keywords", keywords.size()}}.dump());
}

}  // namespace dagrun::news
