#include <doctest/doctest.h>

#include "news/env_file.h"

using dagrun::news::parse_env;

TEST_CASE("env file: keys, comments, blank lines and export") {
  const auto env = parse_env(
      "# the bot's settings\n"
      "\n"
      "NAVER_CLIENT_ID=abc123\n"
      "export NAVER_CLIENT_SECRET=s3cr3t\n"
      "  NEWS_DISPLAY = 30  \n"
      "NEWS_KEYWORDS=서울 지하철,지하철 파업 # two keywords\n"
      "URL=https://example.com/a#fragment\n"
      "EMPTY=\n",
      ".env");
  CHECK(env.errors.empty());
  CHECK(env.values.at("NAVER_CLIENT_ID") == "abc123");
  CHECK(env.values.at("NAVER_CLIENT_SECRET") == "s3cr3t");
  CHECK(env.values.at("NEWS_DISPLAY") == "30");
  CHECK(env.values.at("NEWS_KEYWORDS") == "서울 지하철,지하철 파업");
  CHECK(env.values.at("URL") == "https://example.com/a#fragment");  // '#' without a space before is text
  CHECK(env.values.at("EMPTY").empty());
  CHECK(env.values.size() == 6);
}

TEST_CASE("env file: single quotes are literal, double quotes take escapes") {
  const auto env = parse_env(
      "A='it''s'\n"  // not valid: text after the closing quote
      "B='a \\n # not a comment'\n"
      "C=\"line1\\nline2 \\\"quoted\\\" back\\\\slash\\tTab\" # comment\n"
      "D=\"unknown \\q escape\"\n"
      "E=\"  spaces kept  \"\n",
      "x.env");
  REQUIRE(env.errors.size() == 1);
  CHECK(env.errors[0] == "x.env:1: key 'A': unexpected text after the closing quote");
  CHECK(env.values.count("A") == 0);
  CHECK(env.values.at("B") == "a \\n # not a comment");
  CHECK(env.values.at("C") == "line1\nline2 \"quoted\" back\\slash\tTab");
  CHECK(env.values.at("D") == "unknown \\q escape");
  CHECK(env.values.at("E") == "  spaces kept  ");
}

TEST_CASE("env file: bad lines are reported with their line numbers and without their values") {
  const auto env = parse_env(
      "GOOD=1\n"
      "just some text\n"
      "\n"
      "SECRET=\"hunter2\n"
      "1ABC=x\n"
      "OTHER='unterminated\n"
      "LAST=ok",
      "/etc/bot/.env");
  REQUIRE(env.errors.size() == 4);
  CHECK(env.errors[0] == "/etc/bot/.env:2: expected KEY=VALUE; no '=' after the key");
  CHECK(env.errors[1] == "/etc/bot/.env:4: key 'SECRET': unterminated double-quoted value");
  CHECK(env.errors[2] == "/etc/bot/.env:5: expected KEY=VALUE; a key starts with a letter or '_'");
  CHECK(env.errors[3] == "/etc/bot/.env:6: key 'OTHER': unterminated single-quoted value");
  for (const auto& e : env.errors) {
    CHECK(e.find("hunter2") == std::string::npos);
    CHECK(e.find("just") == std::string::npos);
  }
  CHECK(env.values.at("GOOD") == "1");
  CHECK(env.values.at("LAST") == "ok");  // no newline at the end of the file
}

TEST_CASE("env file: CRLF line ends, a BOM, and the last of a repeated key") {
  const auto env = parse_env("\xEF\xBB\xBFKEY=first\r\nKEY=second\r\nexport\tTABBED=yes\r\n", "win.env");
  CHECK(env.errors.empty());
  CHECK(env.values.at("KEY") == "second");
  CHECK(env.values.at("TABBED") == "yes");
}

TEST_CASE("env file: a secret on a line of its own never reaches the error") {
  // A token pasted without its key: all key characters, or with a dash or a space in it.
  for (const char* line : {"xoxbSECRET123token\n", "sk_live.abc123\n", "ghp-SECRET123token\n",
                           "export SECRET123token value\n"}) {
    const auto env = parse_env(line, "bot.env");
    REQUIRE(env.errors.size() == 1);
    CHECK(env.errors[0].rfind("bot.env:1: ", 0) == 0);
    CHECK(env.errors[0].find("SECRET123") == std::string::npos);
    CHECK(env.errors[0].find("abc123") == std::string::npos);
  }
}
