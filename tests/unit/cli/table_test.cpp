#include <doctest/doctest.h>

#include <sstream>

#include "cli/table.h"

using namespace dagrun::cli;

TEST_CASE("display width counts Hangul as two columns") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("서울") == 4);
  CHECK(display_width("9호선 혼잡") == 10);
  CHECK(display_width("é") == 1);
}

TEST_CASE("table columns line up under wide characters") {
  Table t({"ID", "NAME"});
  t.add({"서울", "x"});
  t.add({"abcde", "y"});
  std::ostringstream out;
  t.print(out);
  CHECK(out.str() == "ID     NAME\n서울   x\nabcde  y\n");
}

TEST_CASE("durations are short and readable") {
  CHECK(format_duration_ms(-1) == "-");
  CHECK(format_duration_ms(250) == "250ms");
  CHECK(format_duration_ms(1500) == "1.5s");
  CHECK(format_duration_ms(184000) == "3m04s");
  CHECK(format_duration_ms(7260000) == "2h01m");
}
