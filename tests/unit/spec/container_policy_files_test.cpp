// tests/data/policy: one DAG per refused rule, each next to the exact
// diagnostics it must produce (name.errors, with the dagrun home shown as HOME:
// relative bind sources resolve against it).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "container_test_home.h"

using namespace dagrun;
namespace fs = std::filesystem;

namespace {

const fs::path kPolicyData = fs::path(DAGRUN_TEST_DATA_DIR) / "policy";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("each refused rule's file gives exactly its recorded diagnostics") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kPolicyData))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 15);
  test::TempHome home;
  for (const fs::path& file : files) {
    std::string name = file.filename().string();
    CAPTURE(name);
    fs::path expected = fs::path(file).replace_extension(".errors");
    REQUIRE(fs::exists(expected));
    std::string want = slurp(expected);
    CHECK_FALSE(want.empty());
    LoadOptions options;
    options.home = home.path();
    LoadResult r = load_dag_text(slurp(file), name, options);
    CHECK_FALSE(r.dag.has_value());
    std::string printed;
    for (const Diagnostic& d : r.diagnostics) printed += d.to_string() + "\n";
    CHECK(home.shown(printed) == want);
  }
}
