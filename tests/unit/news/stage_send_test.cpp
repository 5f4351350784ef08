#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "news/article.h"
#include "news/csv_file.h"
#include "news/seen_store.h"
#include "news/stage_send.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;

namespace {

std::vector<Article> articles(int n, int from = 1) {
  std::vector<Article> out;
  for (int i = from; i < from + n; ++i) {
    const std::string k = std::to_string(i);
    out.push_back({"서울 지하철", "기사 " + k + ", \"제목\"", "https://n.news/" + k, "", "설명\n" + k,
                   "2026-11-29T10:00:00+09:00", i});
  }
  return out;
}

// The links of every <url|title> in the text of every POST that was made.
std::vector<std::string> posted_links(const FakeHttp& http) {
  std::vector<std::string> out;
  static const std::regex link("<([^|>]+)\\|");
  for (const HttpRequest& r : http.requests) {
    const std::string text = nlohmann::json::parse(r.body).at("text");
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) out.push_back((*it)[1]);
  }
  return out;
}

std::vector<std::string> csv_links(const std::filesystem::path& csv) {
  std::vector<std::string> out;
  const auto rows = parse_csv(read_text(csv));
  for (size_t i = 1; i < rows.size(); ++i) out.push_back(rows[i][2]);
  return out;
}

std::filesystem::path todays_csv(const Rig& rig) { return rig.news_dir / "news_20261129.csv"; }

void expect_each_once(const std::vector<std::string>& links, int n) {
  std::map<std::string, int> count;
  for (const auto& l : links) ++count[l];
  CHECK(count.size() == static_cast<size_t>(n));
  for (const auto& [link, times] : count) CHECK_MESSAGE(times == 1, link);
}

}  // namespace

TEST_CASE("send_notifications posts in batches, writes the day's CSV and marks the articles seen") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(23));
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);

  REQUIRE(rig.http.requests.size() == 3);  // 10 + 10 + 3
  CHECK(rig.http.requests[0].method == "POST");
  CHECK(rig.http.requests[0].url == "http://slack.test/services/T0001/B0002/SECRETPATH");
  CHECK(rig.http.requests[0].headers[0].second == "application/json; charset=utf-8");
  expect_each_once(posted_links(rig.http), 23);
  CHECK(csv_links(todays_csv(rig)).size() == 23);
  CHECK(SeenStore::load(rig.news_dir.path()).size() == 23);
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary")) ==
        nlohmann::json{{"sent", 23}, {"messages", 3}, {"sent_by_earlier_try", 0}, {"sent_by_other_run", 0},
                       {"csv", "news_20261129.csv"}});
  const std::string all = rig.host.everything();
  CHECK(all.find("SECRETPATH") == std::string::npos);
  CHECK(all.find("http://slack.test/services/T***") != std::string::npos);
}

TEST_CASE("a retry after Slack failed mid-way sends each article exactly once") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(25));
  rig.http.script = {respond(200, "ok"), respond(500, "rollup_error")};
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: slack server error (500): rollup_error");
  CHECK(csv_links(todays_csv(rig)).size() == 10);
  CHECK(SeenStore::load(rig.news_dir.path()).size() == 10);

  // Slack recovered; the engine retries the task in the same run directory.
  std::vector<HttpRequest> first_try = rig.http.requests;
  rig.http.requests.clear();
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(rig.http.requests.size() == 2);  // 10 + 5 left
  FakeHttp both;
  both.requests = first_try;
  both.requests.erase(both.requests.begin() + 1);  // the 500 was not accepted
  both.requests.insert(both.requests.end(), rig.http.requests.begin(), rig.http.requests.end());
  expect_each_once(posted_links(both), 25);
  expect_each_once(csv_links(todays_csv(rig)), 25);
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary"))["sent_by_earlier_try"] == 10);

  // A third try (say, cleanup failed and the run was re-run) sends nothing.
  rig.http.requests.clear();
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(rig.http.requests.empty());
  expect_each_once(csv_links(todays_csv(rig)), 25);
}

TEST_CASE("a try that died after posting but before its ledger entry is repaired, not resent") {
  Rig rig;
  const auto list = articles(4);
  write_articles_file(rig.run_dir / kNewArticlesFile, list);
  // The earlier try's ledger says 1 and 2 were accepted; it wrote neither CSV nor seen-store.
  write_text(rig.run_dir / kSendLedgerFile,
             R"({"version":1,"csv_file":"news_20261128.csv","sent":["https://n.news/1","https://n.news/2"]})");
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(posted_links(rig.http) == std::vector<std::string>{"https://n.news/3", "https://n.news/4"});
  // The CSV named by the first try, even though the clock says the 29th now.
  expect_each_once(csv_links(rig.news_dir / "news_20261128.csv"), 4);
  CHECK(!std::filesystem::exists(todays_csv(rig)));
  CHECK(SeenStore::load(rig.news_dir.path()).size() == 4);
}

TEST_CASE("articles another run sent since filtering are not sent again") {
  Rig rig;
  const auto list = articles(3);
  write_articles_file(rig.run_dir / kNewArticlesFile, list);
  SeenStore seen = SeenStore::load(rig.news_dir.path());
  seen.add(list[1], rig.now);
  seen.save();
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(posted_links(rig.http) == std::vector<std::string>{"https://n.news/1", "https://n.news/3"});
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary"))["sent_by_other_run"] == 1);
}

TEST_CASE("two runs sending the same articles at once post each article once") {
  Rig a, b;
  b.values["NEWS_DATA_DIR"] = a.news_dir.path().string();
  const auto list = articles(30);
  write_articles_file(a.run_dir / kNewArticlesFile, list);
  write_articles_file(b.run_dir / kNewArticlesFile, list);
  dagrun_status sa = DAGRUN_FAILED, sb = DAGRUN_FAILED;
  std::thread ta([&] { sa = a.run(send_notifications); });
  std::thread tb([&] { sb = b.run(send_notifications); });
  ta.join();
  tb.join();
  CHECK(sa == DAGRUN_SUCCESS);
  CHECK(sb == DAGRUN_SUCCESS);
  std::vector<std::string> all = posted_links(a.http);
  for (const auto& l : posted_links(b.http)) all.push_back(l);
  expect_each_once(all, 30);
  expect_each_once(csv_links(todays_csv(a)), 30);
}

TEST_CASE("send_notifications waits as Retry-After asks, within its cap") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(3));
  rig.http.script = {respond(429, "rate_limited", {{"retry-after", "2"}}), respond(200, "ok")};
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(rig.waiter.waits == std::vector<std::chrono::milliseconds>{std::chrono::seconds(2)});
  CHECK(rig.http.requests.size() == 2);
  CHECK(rig.http.requests[0].body == rig.http.requests[1].body);
  expect_each_once(csv_links(todays_csv(rig)), 3);
}

TEST_CASE("send_notifications fails the try when Slack asks for a longer wait or keeps limiting") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(3));
  rig.http.script = {respond(429, "rate_limited", {{"Retry-After", "120"}})};
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED);
  CHECK(rig.host.error ==
        "stage: slack rate limited the webhook and asks to wait 120s, more than NEWS_SLACK_MAX_WAIT (30s)");
  CHECK(rig.waiter.waits.empty());
  CHECK(!std::filesystem::exists(todays_csv(rig)));
  CHECK(SeenStore::load(rig.news_dir.path()).size() == 0);

  rig.http.fallback = [](const HttpRequest&) { return respond(429, "rate_limited", {{"Retry-After", "1"}}); };
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: slack still rate limited the webhook after 3 waits");
  CHECK(rig.waiter.waits.size() == 3);
}

TEST_CASE("send_notifications stops waiting when cancelled") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(3));
  rig.http.script = {respond(429, "rate_limited", {{"Retry-After", "5"}})};
  rig.host.cancel = [&rig] { return !rig.waiter.waits.empty(); };
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: cancelled while waiting for slack's rate limit");
  CHECK(rig.http.requests.size() == 1);
}

TEST_CASE("a webhook Slack does not know fails without retry and without showing its path") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, articles(1));
  rig.http.script = {respond(404, "no_service")};
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error == "stage: slack refused the message (404): no_service");
  rig.http.script = {network_error("Failed to connect to slack.test: Connection refused")};
  CHECK(rig.run(send_notifications) == DAGRUN_FAILED);
  CHECK(rig.host.error ==
        "stage: slack post to http://slack.test/services/T*** failed: Failed to connect to slack.test: Connection refused");
  CHECK(rig.host.everything().find("SECRETPATH") == std::string::npos);
}

TEST_CASE("nothing new: no request, no CSV, a zero summary") {
  Rig rig;
  write_articles_file(rig.run_dir / kNewArticlesFile, {});
  REQUIRE(rig.run(send_notifications) == DAGRUN_SUCCESS);
  CHECK(rig.http.requests.empty());
  CHECK(!std::filesystem::exists(todays_csv(rig)));
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary"))["sent"] == 0);
}
