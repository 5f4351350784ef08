#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "news/secret_mask.h"
#include "news/slack_message.h"

using namespace dagrun::news;

namespace {

Article numbered(int i) {
  const std::string n = std::to_string(i);
  return {"지하철", "기사 " + n, "https://n.news/" + n, "", "", "2026-11-29T10:0" + std::to_string(i % 10) + ":00+09:00",
          0};
}

}  // namespace

TEST_CASE("slack_escape escapes exactly &, < and >") {
  CHECK(slack_escape("R&D <속보> a>b \"q\" 'a' *bold*") == "R&amp;D &lt;속보&gt; a&gt;b \"q\" 'a' *bold*");
}

TEST_CASE("slack_link escapes the label and keeps the URL intact but for | and escapes") {
  CHECK(slack_link("https://news.sbs.co.kr/a?x=1&y=2", "<속보> R&D | 투자") ==
        "<https://news.sbs.co.kr/a?x=1&amp;y=2|&lt;속보&gt; R&amp;D | 투자>");
  CHECK(slack_link("https://e.x/a|b", "t") == "<https://e.x/a%7Cb|t>");
}

TEST_CASE("an article line links the outlet's page when there is one") {
  Article a{"서울 지하철", "2호선 <지연>", "https://n.news.naver.com/1", "https://www.yna.co.kr/1", "",
            "2026-11-29T10:05:00+09:00", 0};
  CHECK(slack_article_line(a) == "• *[서울 지하철]* <https://www.yna.co.kr/1|2호선 &lt;지연&gt;> (2026-11-29 10:05)");
  a.originallink.clear();
  CHECK(slack_article_line(a).find("<https://n.news.naver.com/1|") != std::string::npos);
}

TEST_CASE("slack_batches splits into groups of at most the batch size, in order") {
  std::vector<Article> articles;
  for (int i = 1; i <= 23; ++i) articles.push_back(numbered(i));
  const auto batches = slack_batches(articles, 10);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].size() == 10);
  CHECK(batches[1].size() == 10);
  CHECK(batches[2].size() == 3);
  CHECK(batches[2].back().link == "https://n.news/23");
  CHECK(slack_batches(articles, 50).size() == 1);
  CHECK(slack_batches({}, 10).empty());
  CHECK(slack_batches(articles, 1).size() == 23);
}

TEST_CASE("a batch message has a header and one line per article, as valid webhook JSON") {
  std::vector<Article> batch{numbered(11), numbered(12)};
  const std::string text = slack_batch_text(batch, 11, 23);
  CHECK(text.rfind("*새 기사* 11-12 / 23\n", 0) == 0);
  CHECK(text.find("<https://n.news/11|기사 11>") != std::string::npos);
  CHECK(text.find("<https://n.news/12|기사 12>") != std::string::npos);
  CHECK(slack_batch_text({numbered(3)}, 3, 3).rfind("*새 기사* 3 / 3\n", 0) == 0);
  const auto payload = nlohmann::json::parse(slack_payload(text));
  CHECK(payload["text"] == text);
  CHECK(payload["unfurl_links"] == false);
}

TEST_CASE("mask_url keeps the host and the first path segment") {
  CHECK(mask_url("https://hooks.slack.com/services/T000/B000/XXXX") == "https://hooks.slack.com/services/T***");
  CHECK(mask_url("http://127.0.0.1:8080/services/T1/B2/C3") == "http://127.0.0.1:8080/services/T***");
  CHECK(mask_url("https://example.com/hook") == "https://example.com/h***");
  CHECK(mask_url("https://example.com/hook?token=abc") == "https://example.com/h***");
  CHECK(mask_url("https://example.com") == "https://example.com");
}

TEST_CASE("SecretMasker hides secrets, their URL-encoded form and the webhook in any text") {
  SecretMasker m;
  m.add_secret("clientid42");
  m.add_secret("p@ss word");
  m.add_secret_url("https://hooks.slack.com/services/T000/B000/XXXX");
  m.add_secret("");  // ignored, does not mask everything
  const std::string text =
      "id=clientid42 secret=p@ss word enc=p%40ss%20word post https://hooks.slack.com/services/T000/B000/XXXX "
      "path /services/T000/B000/XXXX twice clientid42clientid42";
  const std::string masked = m.mask(text);
  CHECK(masked ==
        "id=*** secret=*** enc=*** post https://hooks.slack.com/services/T*** path /*** twice ******");
  for (const char* secret : {"clientid42", "p@ss", "T000/B000", "XXXX"})
    CHECK_MESSAGE(masked.find(secret) == std::string::npos, secret);
  CHECK(m.mask("nothing secret here") == "nothing secret here");
}
