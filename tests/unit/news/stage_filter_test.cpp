#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "news/article.h"
#include "news/seen_store.h"
#include "news/stage_filter.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;

namespace {

Article art(const std::string& keyword, const std::string& title, const std::string& link, std::int64_t when) {
  return {keyword, title, link, link + "/orig", "", "2026-11-29T10:00:00+09:00", when};
}

std::vector<std::string> links(const std::vector<Article>& articles) {
  std::vector<std::string> out;
  for (const auto& a : articles) out.push_back(a.link);
  return out;
}

}  // namespace

TEST_CASE("filter_duplicates drops what earlier runs sent and duplicates inside the batch") {
  Rig rig;
  SeenStore seen = SeenStore::load(rig.news_dir.path());
  seen.add(art("k", "이미 보낸 기사", "https://n.news/sent", 0), rig.now);
  seen.add(art("k", "9호선 혼잡도 180%", "https://n.news/other-outlet", 0), rig.now);
  seen.save();

  write_articles_file(rig.run_dir / kFetchedFile,
                      {
                          art("서울 지하철", "서울 지하철 2호선 '지연'", "https://n.news/a", 300),
                          art("지하철 파업", "서울 지하철 2호선 '지연'", "https://n.news/a", 300),  // same link, 2nd keyword
                          art("서울 지하철", "서울 지하철…2호선 “지연”!", "https://other/a", 310),  // re-run by another outlet
                          art("서울 지하철", "전혀 다른 기사", "https://n.news/sent", 200),  // sent by an earlier run
                          art("서울 지하철", "9호선 혼잡도 180%...", "https://n.news/new-link", 250),  // same story, seen
                          art("지하철 파업", "지하철 파업 D-3", "https://n.news/b", 100),
                      });
  REQUIRE(rig.run(filter_duplicates) == DAGRUN_SUCCESS);

  const auto fresh = read_articles_file(rig.run_dir / kNewArticlesFile);
  // Oldest first; the first of each duplicate group is the one kept.
  CHECK(links(fresh) == std::vector<std::string>{"https://n.news/b", "https://n.news/a"});
  CHECK(fresh[1].keyword == "서울 지하철");
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary")) ==
        nlohmann::json{{"fetched", 6}, {"new", 2}, {"already_sent", 2}, {"duplicates", 2}});
  // filter_duplicates only reads the seen-store.
  CHECK(SeenStore::load(rig.news_dir.path()).size() == 2);
}

TEST_CASE("filter_duplicates works before the data directory exists") {
  Rig rig;
  rig.values["NEWS_DATA_DIR"] = (rig.news_dir / "not-yet").string();
  write_articles_file(rig.run_dir / kFetchedFile, {art("k", "a", "https://n.news/1", 1)});
  REQUIRE(rig.run(filter_duplicates) == DAGRUN_SUCCESS);
  CHECK(read_articles_file(rig.run_dir / kNewArticlesFile).size() == 1);
  CHECK(!std::filesystem::exists(rig.news_dir / "not-yet"));
}

TEST_CASE("filter_duplicates fails clearly without fetched.json or with a foreign seen-store") {
  Rig rig;
  CHECK(rig.run(filter_duplicates) == DAGRUN_FAILED);
  CHECK(rig.host.error == "stage: " + (rig.run_dir / kFetchedFile).string() +
                              ": no such file; the upstream stage writes it into the run's data directory");

  write_articles_file(rig.run_dir / kFetchedFile, {});
  write_text(rig.news_dir / kSeenFile, R"({"version": 2, "entries": []})");
  CHECK(rig.run(filter_duplicates) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error.find("seen.json: unsupported version 2 (this plugin reads version 1)") != std::string::npos);

  write_text(rig.run_dir / kFetchedFile, R"({"version": 1, "articles": [{"title": "no link"}]})");
  write_text(rig.news_dir / kSeenFile, R"({"version": 1, "entries": []})");
  CHECK(rig.run(filter_duplicates) == DAGRUN_FAILED);
  CHECK(rig.host.error.find("fetched.json: article 1: ") != std::string::npos);
}
