#include <doctest/doctest.h>

#include "spec/diagnostic.h"

using namespace dagrun;

TEST_CASE("diagnostics print LLVM-style with whatever position is known") {
  CHECK(Diagnostic{"dags/etl.json", 12, 7, "task 'load'", "unknown upstream 'extrct'"}.to_string() ==
        "dags/etl.json:12:7: error: task 'load': unknown upstream 'extrct'");
  CHECK(Diagnostic{"a.json", 3, 0, "dag", "m"}.to_string() == "a.json:3: error: dag: m");
  CHECK(Diagnostic{"a.json", 0, 0, "dag", "m"}.to_string() == "a.json: error: dag: m");
  CHECK(Diagnostic{"a.json", 1, 2, "", "invalid JSON: x"}.to_string() ==
        "a.json:1:2: error: invalid JSON: x");
  CHECK(Diagnostic{"", 0, 0, "", "m"}.to_string() == "error: m");
}
