#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "news/article.h"
#include "news/stage_fetch.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;

namespace {

const char* kDate = "Sun, 29 Nov 2026 10:00:00 +0900";

void no_secrets(const Rig& rig) {
  const std::string all = rig.host.everything();
  CHECK(all.find("client-id-1234") == std::string::npos);
  CHECK(all.find("client-secret-5678") == std::string::npos);
  CHECK(all.find("SECRETPATH") == std::string::npos);
}

}  // namespace

TEST_CASE("fetch_news searches every keyword and writes cleaned articles to fetched.json") {
  Rig rig;
  rig.http.script.push_back(respond(
      200, naver_body({naver_item("<b>서울 지하철</b> 2호선 &quot;지연&quot;", "https://n.news/1", kDate,
                                  "https://yna.co.kr/1", "노&#183;사 &lt;속보&gt; <b>서울</b>"),
                       naver_item("R&amp;D &apos;투자&apos;", "https://n.news/2", "Sat, 28 Nov 2026 20:00:00 -0500")})));
  rig.http.script.push_back(respond(200, naver_body({naver_item("<b>지하철 파업</b> D-3", "https://n.news/3", kDate)})));
  rig.values["NEWS_DISPLAY"] = "30";

  REQUIRE(rig.run(fetch_news) == DAGRUN_SUCCESS);
  CHECK(rig.host.error.empty());

  REQUIRE(rig.http.requests.size() == 2);
  const HttpRequest& first = rig.http.requests[0];
  CHECK(first.method == "GET");
  CHECK(first.url ==
        "http://naver.test/v1/search/news.json?query=%EC%84%9C%EC%9A%B8%20%EC%A7%80%ED%95%98%EC%B2%A0"
        "&display=30&sort=date");
  CHECK(first.headers[0] == std::pair<std::string, std::string>{"X-Naver-Client-Id", "client-id-1234"});
  CHECK(first.headers[1] == std::pair<std::string, std::string>{"X-Naver-Client-Secret", "client-secret-5678"});

  const auto articles = read_articles_file(rig.run_dir / kFetchedFile);
  REQUIRE(articles.size() == 3);
  CHECK(articles[0].keyword == "서울 지하철");
  CHECK(articles[0].title == "서울 지하철 2호선 \"지연\"");
  CHECK(articles[0].description == "노·사 <속보> 서울");
  CHECK(articles[0].originallink == "https://yna.co.kr/1");
  CHECK(articles[0].pub_date == "2026-11-29T10:00:00+09:00");
  CHECK(articles[1].title == "R&D '투자'");
  CHECK(articles[1].pub_date == "2026-11-28T20:00:00-05:00");
  CHECK(articles[1].pub_unix == articles[0].pub_unix);
  CHECK(articles[2].keyword == "지하철 파업");

  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary")) == nlohmann::json{{"fetched", 3}, {"keywords", 2}});
  no_secrets(rig);
}

TEST_CASE("fetch_news: rejected credentials fail without retry after one request") {
  Rig rig;
  rig.http.script.push_back(respond(
      401, R"js({"errorMessage":"Not Exist Client ID : Authentication failed. (인증에 실패했습니다.)","errorCode":"024"})js"));
  CHECK(rig.run(fetch_news, "fetch_news") == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.http.requests.size() == 1);
  CHECK(rig.host.error ==
        "fetch_news: naver rejected the client credentials (401): Not Exist Client ID : Authentication failed. "
        "(인증에 실패했습니다.) (errorCode 024)");
  CHECK(!std::filesystem::exists(rig.run_dir / kFetchedFile));
  rig.http.script.push_back(respond(403, "forbidden"));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error == "stage: naver rejected the client credentials (403): body: forbidden");
  no_secrets(rig);
}

TEST_CASE("fetch_news: rate limits, server errors and network errors are retried") {
  Rig rig;
  rig.http.script.push_back(respond(429, R"({"errorMessage":"Rate limit exceeded.","errorCode":"012"})"));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: naver rate limit exceeded (429) for '서울 지하철': Rate limit exceeded. (errorCode 012)");

  rig.http.script.push_back(respond(200, naver_body({})));
  rig.http.script.push_back(respond(503, ""));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: naver server error (503) for '지하철 파업': empty body");

  rig.http.script.push_back(network_error("Failed to connect to naver.test port 80: Connection refused"));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error ==
        "stage: naver request for '서울 지하철' failed: Failed to connect to naver.test port 80: Connection refused");
}

TEST_CASE("fetch_news: other 4xx and redirects fail without retry") {
  Rig rig;
  rig.http.script.push_back(respond(400, R"({"errorMessage":"Invalid display value","errorCode":"SE02"})"));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error == "stage: naver refused the request (400) for '서울 지하철': Invalid display value (errorCode SE02)");
  rig.http.script.push_back(respond(301, "", {{"location", "https://elsewhere.test/"}}));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error.find("naver answered 301 (redirect to https://elsewhere.test/)") != std::string::npos);
}

TEST_CASE("fetch_news: malformed JSON fails with the parse error and the start of the body") {
  Rig rig;
  const std::string full = naver_body({naver_item("제목", "https://n.news/1", kDate)});
  rig.http.script.push_back(respond(200, full.substr(0, full.size() / 2)));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error.find("stage: naver response for '서울 지하철' is not valid JSON: [json.exception.parse_error") == 0);
  CHECK(rig.host.error.find("the body starts with: {\"lastBuildDate\"") != std::string::npos);

  std::string long_body(500, 'x');
  rig.http.script.push_back(respond(200, "서" + long_body));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error.size() < 600);  // only the start of the body
  CHECK(rig.host.error.find(std::string(190, 'x') + "...") != std::string::npos);
}

TEST_CASE("fetch_news: an item missing a field fails naming the field and the item") {
  Rig rig;
  const std::string ok = naver_item("a", "https://n.news/1", kDate);
  nlohmann::json broken = nlohmann::json::parse(naver_item("b", "https://n.news/2", kDate));
  broken.erase("link");
  rig.http.script.push_back(respond(200, naver_body({ok, broken.dump()})));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: naver response for '서울 지하철': item 2 has no 'link' string");

  rig.http.script.push_back(respond(200, naver_body({naver_item("a", "https://n.news/1", "29/11/2026")})));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: naver response for '서울 지하철': item 1 has an invalid pubDate '29/11/2026'");

  rig.http.script.push_back(respond(200, R"({"total":0})"));
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.host.error.find("has no 'items' list") != std::string::npos);
}

TEST_CASE("fetch_news stops between keywords once cancelled") {
  Rig rig;
  rig.http.fallback = [&rig](const HttpRequest&) {
    rig.host.cancel = [] { return true; };  // the engine cancels during the first request
    return respond(200, naver_body({}));
  };
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED);
  CHECK(rig.http.requests.size() == 1);
  CHECK(rig.host.error == "stage: cancelled before searching for '지하철 파업'");
}

TEST_CASE("fetch_news: missing credentials fail without retry before any request") {
  Rig rig;
  rig.values.erase("NAVER_CLIENT_SECRET");
  CHECK(rig.run(fetch_news) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.http.requests.empty());
  CHECK(rig.host.error == "stage: missing NAVER_CLIENT_SECRET in test.env (set it there or in params.config)");
}
