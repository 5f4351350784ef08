// Command strings split as Python's shlex.split splits them (the DockerOperator's
// behaviour); the expected lists are what shlex.split returns for each input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "spec/shell_words.h"

using namespace dagrun;
using Words = std::vector<std::string>;

namespace {

Words split(std::string_view text) {
  std::string why;
  auto words = split_shell_words(text, &why);
  REQUIRE_MESSAGE(words.has_value(), why);
  return *words;
}

std::string failure(std::string_view text) {
  std::string why;
  auto words = split_shell_words(text, &why);
  CHECK_FALSE(words.has_value());
  return why;
}

}  // namespace

TEST_CASE("words are separated by any run of blanks") {
  CHECK(split("python scripts/1_fetch_news.py") == Words{"python", "scripts/1_fetch_news.py"});
  CHECK(split("  a \t b\n c\r\nd  ") == Words{"a", "b", "c", "d"});
  CHECK(split("") == Words{});
  CHECK(split(" \t ") == Words{});
}

TEST_CASE("quotes group words and are removed") {
  CHECK(split("sh -c 'echo hi | tr a-z A-Z'") == Words{"sh", "-c", "echo hi | tr a-z A-Z"});
  CHECK(split("a  \"b c\"") == Words{"a", "b c"});
  CHECK(split("a\"b\"c") == Words{"abc"});
  CHECK(split("'x'\"y\"z") == Words{"xyz"});
  // A pair of quotes is an empty word.
  CHECK(split("a '' \"\" b") == Words{"a", "", "", "b"});
}

TEST_CASE("backslashes escape outside quotes, partly in double quotes, never in single quotes") {
  CHECK(split("a\\ b") == Words{"a b"});
  CHECK(split("\\'x\\'") == Words{"'x'"});
  CHECK(split("'a\\b'") == Words{"a\\b"});
  CHECK(split("\"a\\b\"") == Words{"a\\b"});
  CHECK(split("\"a\\\"b\"") == Words{"a\"b"});
  CHECK(split("\"a\\\\b\"") == Words{"a\\b"});
  CHECK(split("x\\\\") == Words{"x\\"});
  CHECK(split("\"\\$x\"") == Words{"\\$x"});
}

TEST_CASE("nothing is expanded and no character but quotes and backslash is special") {
  CHECK(split("echo $HOME ~ *.txt #c; a|b > f") ==
        Words{"echo", "$HOME", "~", "*.txt", "#c;", "a|b", ">", "f"});
}

TEST_CASE("unterminated quotes and a final backslash are errors") {
  CHECK(failure("sh -c 'echo hi") == "no closing quotation");
  CHECK(failure("\"abc") == "no closing quotation");
  CHECK(failure("\"abc\\\"") == "no closing quotation");
  CHECK(failure("abc\\") == "no character after the final backslash");
}
