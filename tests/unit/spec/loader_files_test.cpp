// The files under tests/data: every bad file next to the exact diagnostics it must
// produce (name.errors, as `dagrun` prints them when run in that folder), and the
// good files loading cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/loader.h"
#include "load_helpers.h"

using namespace dagrun;
namespace fs = std::filesystem;

namespace {

const fs::path kData = DAGRUN_TEST_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("each bad file gives exactly the diagnostics recorded next to it") {
  auto files = json_files(kData / "bad");
  REQUIRE(files.size() >= 25);
  for (const fs::path& file : files) {
    std::string name = file.filename().string();
    CAPTURE(name);
    fs::path expected = fs::path(file).replace_extension(".errors");
    REQUIRE(fs::exists(expected));
    LoadResult r = load_dag_text(slurp(file), name, test::options_with_plugins());
    CHECK_FALSE(r.dag.has_value());
    std::string printed;
    for (const Diagnostic& d : r.diagnostics) printed += d.to_string() + "\n";
    CHECK(printed == slurp(expected));
  }
}

TEST_CASE("one file with many errors reports all of them at once") {
  LoadResult r = load_dag_file(kData / "bad" / "many_errors.json", test::options_with_plugins());
  REQUIRE(r.diagnostics.size() == 18);
  // One of each kind the file contains, from the DAG keys to the cross-task checks.
  auto has = [&](std::string_view part) {
    return std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                       [&](const Diagnostic& d) { return d.message.find(part) != std::string::npos; });
  };
  CHECK(has("invalid schedule"));
  CHECK(has("is before start_date"));
  CHECK(has("unknown key 'taggs'"));
  CHECK(has("not a string"));
  CHECK(has("unknown plugin 'nop'"));
  CHECK(has("unknown upstream 'extrct'"));
  CHECK(has("dependency cycle: transform -> load -> transform"));
  CHECK(has("duplicate task_id 'load'"));
  CHECK(has("missing required key 'task_id'"));
  CHECK(has("missing 'command', 'plugin' or 'container'"));
  // Sorted by position.
  for (size_t i = 1; i < r.diagnostics.size(); ++i)
    CHECK(r.diagnostics[i - 1].line <= r.diagnostics[i].line);
  CHECK(r.diagnostics.front().file == (kData / "bad" / "many_errors.json").string());
}

TEST_CASE("every good file loads without diagnostics") {
  auto files = json_files(kData / "good");
  REQUIRE(files.size() >= 3);
  for (const fs::path& file : files) {
    std::string name = file.filename().string();
    CAPTURE(name);
    LoadResult r = load_dag_file(file, test::options_with_plugins());
    CHECK(r.diagnostics.empty());
    REQUIRE(r.ok());
    CHECK(r.dag->file == file.string());
    CHECK(r.dag->dag_id == file.stem().string());
  }
}

TEST_CASE("an unreadable file is one diagnostic without a position") {
  LoadResult missing = load_dag_file(kData / "no_such_file.json", {});
  REQUIRE(missing.diagnostics.size() == 1);
  CHECK(missing.diagnostics[0].to_string() ==
        (kData / "no_such_file.json").string() + ": error: cannot read file: No such file or directory");
  LoadResult dir = load_dag_file(kData / "bad", {});
  REQUIRE(dir.diagnostics.size() == 1);
  CHECK(dir.diagnostics[0].message == "cannot read file: is a directory");
  CHECK_FALSE(dir.dag.has_value());
}
