#include <doctest/doctest.h>

#include "news/csv_file.h"
#include "news_fakes.h"

using namespace dagrun::news;
using dagrun::news::testing::read_text;
using dagrun::news::testing::TempDir;
using dagrun::news::testing::write_text;

namespace {

Article article(const std::string& title, const std::string& link) {
  return {"서울 지하철", title, link, link + "/orig", "설명, \"인용\"", "2026-11-29T10:00:00+09:00", 1795914000};
}

}  // namespace

TEST_CASE("csv_field quotes only fields that need it and doubles quotes") {
  CHECK(csv_field("서울 지하철") == "서울 지하철");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("그는 \"복구\"라고") == "\"그는 \"\"복구\"\"라고\"");
  CHECK(csv_field("line1\nline2") == "\"line1\nline2\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
  CHECK(csv_field("") == "");
  CHECK(csv_row({"a", "b,c", ""}) == "a,\"b,c\",\r\n");
}

TEST_CASE("parse_csv reads back what csv_row writes, Korean text and all") {
  const std::vector<std::string> fields{"지하철 파업", "노·사 \"막판\" 교섭, 결렬", "multi\r\nline", "", "끝"};
  const std::string text = std::string(kCsvBom) + csv_row({"h1", "h2", "h3", "h4", "h5"}) + csv_row(fields);
  const auto rows = parse_csv(text);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "h1");  // the BOM is not part of the first field
  CHECK(rows[1] == fields);
  CHECK(parse_csv("a,b\nc,d") == std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}});
  CHECK(parse_csv("x,\"unterminated") == std::vector<std::vector<std::string>>{{"x", "unterminated"}});
}

TEST_CASE("append_articles_csv creates the file with BOM and header and writes each link once") {
  TempDir dir;
  const auto path = dir / "news_20261129.csv";
  const std::vector<Article> first{article("1호선, 지연", "https://n.news/1"), article("2호선", "https://n.news/2")};
  CHECK(append_articles_csv(path, first) == 2);
  const std::string once = read_text(path);
  CHECK(once.rfind(std::string(kCsvBom) + std::string(kCsvHeader) + "\r\n", 0) == 0);
  const auto rows = parse_csv(once);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] == std::vector<std::string>{"서울 지하철", "1호선, 지연", "https://n.news/1", "https://n.news/1/orig",
                                            "설명, \"인용\"", "2026-11-29T10:00:00+09:00"});

  // The same articles again (a retry), plus one new: only the new one is added.
  auto again = first;
  again.push_back(article("3호선", "https://n.news/3"));
  CHECK(append_articles_csv(path, again) == 1);
  const auto after = parse_csv(read_text(path));
  REQUIRE(after.size() == 4);
  CHECK(after[3][2] == "https://n.news/3");
  CHECK(append_articles_csv(path, again) == 0);
  CHECK(parse_csv(read_text(path)).size() == 4);
}

TEST_CASE("append_articles_csv refuses a file that is not the bot's") {
  TempDir dir;
  const auto path = dir / "news_20261129.csv";
  write_text(path, "name,age\r\nkim,3\r\n");
  CHECK_THROWS_WITH(append_articles_csv(path, {article("t", "l")}),
                    doctest::Contains("not a news CSV"));
  CHECK(read_text(path) == "name,age\r\nkim,3\r\n");
}

TEST_CASE("CSV file names follow news_YYYYMMDD.csv with a real date") {
  std::string stamp;
  CHECK(is_csv_file_name("news_20261129.csv", &stamp));
  CHECK(stamp == "20261129");
  CHECK(csv_file_name("20261129") == "news_20261129.csv");
  for (const char* bad : {"news_20261131.csv", "news_2026112.csv", "news_20261129.csv.bak", "xnews_20261129.csv",
                          "news_2026-11-29.csv", "news_20261129.CSV", "../news_20261129.csv"})
    CHECK_MESSAGE(!is_csv_file_name(bad), bad);
}
