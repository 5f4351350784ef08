#include <doctest/doctest.h>

#include <string>

#include "spec/json_locate.h"

using namespace dagrun;

namespace {

std::string at(std::string_view text, std::string_view pointer, JsonTarget target) {
  SourcePosition p = locate_json(text, pointer, target);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

constexpr JsonTarget kKey = JsonTarget::key;
constexpr JsonTarget kValue = JsonTarget::value;

}  // namespace

TEST_CASE("locator finds keys and values in nested objects") {
  const std::string text =
      "{\n"                                   // 1
      "  \"a\": 1,\n"                         // 2
      "  \"b\": { \"c\": { \"d\": true } },\n"  // 3
      "  \"e\": \"x\"\n"                      // 4
      "}\n";
  CHECK(at(text, "", kValue) == "1:1");
  CHECK(at(text, "/a", kKey) == "2:3");
  CHECK(at(text, "/a", kValue) == "2:8");
  CHECK(at(text, "/b/c", kKey) == "3:10");
  CHECK(at(text, "/b/c/d", kKey) == "3:17");
  CHECK(at(text, "/b/c/d", kValue) == "3:22");
  CHECK(at(text, "/e", kValue) == "4:8");
  CHECK(at(text, "/missing", kKey) == "0:0");
  CHECK(at(text, "/a/deeper", kKey) == "0:0");
}

TEST_CASE("locator indexes arrays, skipping nested values") {
  const std::string text =
      "{\"tasks\": [\n"                                   // 1
      "  {\"task_id\": \"a\", \"x\": [1, [2, 3], {}]},\n"  // 2
      "  \"plain\",\n"                                     // 3
      "  {\"task_id\": \"c\", \"retires\": 2}\n"           // 4
      "]}";
  CHECK(at(text, "/tasks/0", kValue) == "2:3");
  CHECK(at(text, "/tasks/0", kKey) == "2:3");  // array elements have no key
  CHECK(at(text, "/tasks/0/x/1/1", kValue) == "2:33");
  CHECK(at(text, "/tasks/1", kValue) == "3:3");
  CHECK(at(text, "/tasks/2/retires", kKey) == "4:20");
  CHECK(at(text, "/tasks/3", kValue) == "0:0");
  CHECK(at(text, "/tasks/x", kValue) == "0:0");
}

TEST_CASE("locator compares keys after decoding escapes") {
  // Keys written with escapes still match the decoded key of a pointer; strings with
  // escaped quotes and brackets do not confuse the skipping.
  const std::string text = R"({"s": "a\"}]\\", "t\u00e9st": 1, "a\/b": 2, "x~y": 3, "\ud83d\ude00": 4})";
  CHECK(at(text, "/t\xC3\xA9st", kKey) == "1:18");
  CHECK(at(text, "/a~1b", kValue) == "1:42");
  CHECK(at(text, "/x~0y", kValue) == "1:52");
  CHECK(at(text, "/\xF0\x9F\x98\x80", kValue) == "1:71");
}

TEST_CASE("locator counts columns in code points, not bytes") {
  // "é" is two bytes and "😀" four; each is one column.
  const std::string text = "{\"name\": \"\xC3\xA9\xF0\x9F\x98\x80\", \"n\": 1}";
  CHECK(at(text, "/n", kKey) == "1:16");
  CHECK(at(text, "/n", kValue) == "1:21");
  CHECK(position_of_offset(text, text.find("\"n\"")).column == 16);
}

TEST_CASE("locator picks a repeated key by occurrence") {
  const std::string text = "{\"k\": 1,\n \"k\": 2,\n \"k\": 3}";
  JsonLocator locator(text);
  CHECK(locator.locate("/k", kKey, 0).line == 1);
  CHECK(locator.locate("/k", kKey, 1).line == 2);
  CHECK(locator.locate("/k", kKey, 2).line == 3);
  CHECK(locator.locate("/k", kKey, 3).line == 0);
}

TEST_CASE("locator handles CRLF, tabs and a byte order mark") {
  const std::string text = "\xEF\xBB\xBF{\r\n\t\"a\": 1}";
  CHECK(at(text, "", kValue) == "1:1");
  CHECK(at(text, "/a", kKey) == "2:2");
  CHECK(at(text, "/a", kValue) == "2:7");
}

TEST_CASE("locator answers many lookups into one large array") {
  std::string text = "[";
  for (int i = 0; i < 1000; ++i) text += (i ? ",\n" : "") + std::string("{\"id\": ") + std::to_string(i) + "}";
  text += "]";
  JsonLocator locator(text);
  for (int i = 0; i < 1000; i += 111) {
    SourcePosition p = locator.locate("/" + std::to_string(i) + "/id", JsonTarget::value);
    CHECK(p.line == i + 1);
    CHECK(p.column == (i == 0 ? 9 : 8));
  }
}
