#include <doctest/doctest.h>

#include "base/percent_encoding.h"

using namespace dagrun;

TEST_CASE("percent_decode takes exactly two hex digits after each '%', and refuses an encoded NUL") {
  CHECK(percent_decode("a%2Fb").value() == "a/b");
  CHECK(percent_decode("%7e%7E").value() == "~~");
  CHECK(percent_decode("plain+text").value() == "plain+text");
  for (const char* bad : {"%", "%4", "%zz", "%-1", "%+1", "% 1", "%00", "a%2"}) {
    CAPTURE(bad);
    CHECK_FALSE(percent_decode(bad).has_value());
  }
}

TEST_CASE("url_encode leaves only unreserved characters and round-trips through percent_decode") {
  CHECK(url_encode("a-b_c.d~e") == "a-b_c.d~e");
  CHECK(url_encode("a/b c") == "a%2Fb%20c");
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  CHECK(percent_decode(url_encode(all)).value() == all);
}
