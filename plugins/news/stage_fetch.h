// fetch_news: searches Naver for every keyword and writes fetched.json.
#pragma once

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

// Needs NAVER_CLIENT_ID, NAVER_CLIENT_SECRET and NEWS_KEYWORDS; io.http.
// Writes <run_dir>/fetched.json (every article, one entry per keyword that
// found it) and pushes XCom "summary" {"fetched": n, "keywords": k}.
// Throws StageError (see parse_naver_response for the statuses).
void fetch_news(const NewsConfig& config, StageIo& io);

}  // namespace dagrun::news
