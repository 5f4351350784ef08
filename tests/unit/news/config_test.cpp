#include <doctest/doctest.h>

#include "news/config.h"
#include "news/stage_error.h"
#include "news_fakes.h"

using namespace dagrun::news;
using dagrun::news::testing::TempDir;
using dagrun::news::testing::write_text;

namespace {

// The StageError a callable throws; fails the test when it throws none.
template <typename F>
StageError error_of(F&& f) {
  try {
    f();
  } catch (const StageError& e) {
    return e;
  }
  FAIL("no StageError thrown");
  return StageError("");
}

}  // namespace

TEST_CASE("params: env_file, data_dir and config overrides, unknown keys refused") {
  const TaskParams p = parse_task_params(
      R"({"env_file": ".env", "data_dir": "news-data", "config": {"NEWS_DISPLAY": 5, "NEWS_KEYWORDS": "a,b"}})");
  CHECK(p.env_file == ".env");
  CHECK(p.data_dir == "news-data");
  CHECK(p.config.at("NEWS_DISPLAY") == "5");
  CHECK(p.config.at("NEWS_KEYWORDS") == "a,b");
  CHECK(parse_task_params("null").config.empty());

  auto e = error_of([] { parse_task_params(R"({"env-file": ".env"})"); });
  CHECK(e.status() == DAGRUN_FAILED_NO_RETRY);
  CHECK(std::string(e.what()) == "params: unknown key 'env-file' (known: env_file, data_dir, config)");
  e = error_of([] { parse_task_params(R"({"config": {"NAVER_CLIENT_IDD": "x"}})"); });
  CHECK(std::string(e.what()) == "params.config: unknown key 'NAVER_CLIENT_IDD'");
  e = error_of([] { parse_task_params(R"({"config": {"NEWS_DISPLAY": [1]}})"); });
  CHECK(std::string(e.what()).find("expected a string or a number") != std::string::npos);
  CHECK(error_of([] { parse_task_params("[1]"); }).status() == DAGRUN_FAILED_NO_RETRY);
}

TEST_CASE("the env file is read relative to the home and params override it key by key") {
  TempDir home;
  write_text(home / ".env",
             "NAVER_CLIENT_ID=id-from-file\nNEWS_DISPLAY=30\nNEWS_DATA_DIR=from-file\nNEWS_KEYWORDS= 서울 지하철 , ,지하철 파업,\n");
  TaskParams p;
  p.env_file = ".env";
  p.config["NEWS_DISPLAY"] = "7";
  const NewsConfig c = NewsConfig::load(p, home.path());
  CHECK(c.source() == (home / ".env").string());
  CHECK(c.require("NAVER_CLIENT_ID") == "id-from-file");
  CHECK(c.get_int("NEWS_DISPLAY", 20, 1, 100) == 7);
  CHECK(c.news_data_dir() == home / "from-file");
  CHECK(c.keywords() == std::vector<std::string>{"서울 지하철", "지하철 파업"});
  CHECK(c.get("NAVER_API_URL", kDefaultNaverUrl) == kDefaultNaverUrl);

  p.data_dir = "/srv/news";  // params.data_dir is NEWS_DATA_DIR
  CHECK(NewsConfig::load(p, home.path()).news_data_dir() == "/srv/news");
}

TEST_CASE("a missing key fails without retry, naming the key and the file") {
  TempDir home;
  write_text(home / "bot.env", "NAVER_CLIENT_ID=x\n");
  TaskParams p;
  p.env_file = (home / "bot.env").string();
  const NewsConfig c = NewsConfig::load(p, std::nullopt);
  const auto e = error_of([&] { c.require("NAVER_CLIENT_SECRET"); });
  CHECK(e.status() == DAGRUN_FAILED_NO_RETRY);
  CHECK(std::string(e.what()) ==
        "missing NAVER_CLIENT_SECRET in " + (home / "bot.env").string() + " (set it there or in params.config)");
  const NewsConfig bare = NewsConfig::load(TaskParams{}, std::nullopt);
  CHECK(std::string(error_of([&] { bare.require("SLACK_WEBHOOK_URL"); }).what()) ==
        "missing SLACK_WEBHOOK_URL: no env_file param, and params.config does not set it");
}

TEST_CASE("configuration errors fail without retry and say what is wrong") {
  TempDir home;
  TaskParams p;
  p.env_file = "missing.env";
  auto e = error_of([&] { NewsConfig::load(p, home.path()); });
  CHECK(e.status() == DAGRUN_FAILED_NO_RETRY);
  CHECK(std::string(e.what()) == "cannot read env file " + (home / "missing.env").string() +
                                     ": No such file or directory");

  e = error_of([&] { NewsConfig::load(p, std::nullopt); });
  CHECK(std::string(e.what()).find("is relative but the dagrun home is unknown") != std::string::npos);

  write_text(home / "bad.env", "OK=1\nNAVER_CLIENT_SECRET=\"topsecret\n");
  p.env_file = "bad.env";
  e = error_of([&] { NewsConfig::load(p, home.path()); });
  CHECK(std::string(e.what()) == "invalid env file: " + (home / "bad.env").string() +
                                     ":2: key 'NAVER_CLIENT_SECRET': unterminated double-quoted value");

  TaskParams up;
  up.data_dir = "news/../../etc";
  e = error_of([&] { NewsConfig::load(up, home.path()); });
  CHECK(e.status() == DAGRUN_FAILED_NO_RETRY);
  CHECK(std::string(e.what()) == "NEWS_DATA_DIR 'news/../../etc' must not contain '..'");

  TaskParams num;
  num.config["NEWS_DISPLAY"] = "500";
  const NewsConfig c = NewsConfig::load(num, std::nullopt);
  e = error_of([&] { c.get_int("NEWS_DISPLAY", 20, 1, 100); });
  CHECK(std::string(e.what()) == "NEWS_DISPLAY in params.config: expected an integer from 1 to 100, got '500'");
  num.config["NEWS_HTTP_TIMEOUT"] = "0.25";
  CHECK(NewsConfig::load(num, std::nullopt).get_seconds("NEWS_HTTP_TIMEOUT", 30, 600).count() == 250);
  num.config["NEWS_HTTP_TIMEOUT"] = "-1";
  CHECK(error_of([&] { NewsConfig::load(num, std::nullopt).get_seconds("NEWS_HTTP_TIMEOUT", 30, 600); }).status() ==
        DAGRUN_FAILED_NO_RETRY);
  num.config["NEWS_KEYWORDS"] = " , ";
  CHECK(std::string(error_of([&] { NewsConfig::load(num, std::nullopt).keywords(); }).what()) ==
        "NEWS_KEYWORDS in params.config: no keywords between the commas");
}

TEST_CASE("the configuration's masker knows the credentials and the webhook") {
  NewsConfig c({{"NAVER_CLIENT_ID", "cid-123"},
                {"NAVER_CLIENT_SECRET", "sec-456"},
                {"SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B2/C3"}},
               "test");
  CHECK(c.masker().mask("cid-123 sec-456 https://hooks.slack.com/services/T1/B2/C3") ==
        "*** *** https://hooks.slack.com/services/T***");
}
