#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "spec/folder_loader.h"

using namespace dagrun;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("dagrun_folder_test_" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

std::string dag(const std::string& id) {
  return R"({"dag_id": ")" + id + R"(", "tasks": [{"task_id": "a", "command": ["true"]}]})";
}

}  // namespace

TEST_CASE("a folder loads every json file in name order, bad ones included") {
  TempDir dir;
  dir.write("c.json", dag("third"));
  dir.write("a.json", dag("first"));
  dir.write("b.json", "{ not json");
  dir.write("notes.txt", "ignored");
  fs::create_directories(dir.path / "sub");
  dir.write("sub/d.json", dag("nested"));

  auto results = load_dag_folder(dir.path, {});
  REQUIRE(results.size() == 3);
  CHECK(results[0].file == (dir.path / "a.json").string());
  CHECK(results[0].ok());
  CHECK(results[1].file == (dir.path / "b.json").string());
  CHECK_FALSE(results[1].ok());
  REQUIRE(results[1].diagnostics.size() == 1);
  CHECK(results[1].diagnostics[0].message.starts_with("invalid JSON: "));
  CHECK(results[2].ok());
  CHECK(results[2].dag->dag_id == "third");
}

TEST_CASE("a dag_id defined by an earlier file is an error on the later one") {
  TempDir dir;
  dir.write("1_first.json", dag("etl"));
  dir.write("2_second.json", "{\n  \"tasks\": [{\"task_id\": \"a\", \"command\": [\"true\"]}],\n  \"dag_id\": \"etl\"\n}");
  // An earlier file with other errors still claims its dag_id.
  dir.write("3_broken.json", R"({"dag_id": "report", "tasks": []})");
  dir.write("4_report.json", dag("report"));

  auto results = load_dag_folder(dir.path, {});
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK_FALSE(results[1].dag.has_value());
  REQUIRE(results[1].diagnostics.size() == 1);
  CHECK(results[1].diagnostics[0].to_string() ==
        (dir.path / "2_second.json").string() + ":3:13: error: dag: dag_id 'etl' is already defined in " +
            (dir.path / "1_first.json").string());
  CHECK_FALSE(results[2].ok());
  REQUIRE(results[3].diagnostics.size() == 1);
  CHECK(results[3].diagnostics[0].message.find("dag_id 'report' is already defined in") == 0);
}

TEST_CASE("the shipped good test DAGs load as a folder") {
  auto results = load_dag_folder(DAGRUN_TEST_DATA_DIR "/good", {});
  REQUIRE(results.size() >= 3);
  for (const LoadResult& r : results) {
    CAPTURE(r.file);
    CHECK(r.ok());
  }
}

TEST_CASE("a folder that cannot be read is one diagnostic") {
  auto results = load_dag_folder("/nonexistent/dagrun/folder", {});
  REQUIRE(results.size() == 1);
  CHECK(results[0].diagnostics.size() == 1);
  CHECK(results[0].diagnostics[0].message.starts_with("cannot read folder: "));
}
