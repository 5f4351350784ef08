// One Naver news search request and what its answer means for the run.
#pragma once

#include <string>
#include <vector>

#include "article.h"
#include "http_client.h"

namespace dagrun::news {

struct NaverSearch {
  std::string api_url;
  std::string client_id;
  std::string client_secret;
  int display = 20;
};

// GET api_url?query=<keyword, UTF-8, percent-encoded>&display=N&sort=date with
// the client id and secret headers.
HttpRequest naver_request(const NaverSearch& search, const std::string& keyword);

// The articles of a 200 answer, cleaned (tags stripped, entities decoded,
// pubDate in ISO 8601) and tagged with the keyword. Anything else throws
// StageError: 401/403 and other 4xx without retry (the same request will be
// refused again), 429, 5xx and transport failures with retry, malformed JSON
// (with the parse error and the start of the body) and items missing a field
// with retry.
std::vector<Article> parse_naver_response(const HttpResponse& response, const std::string& keyword);

}  // namespace dagrun::news
