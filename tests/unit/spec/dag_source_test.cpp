// A loaded Dag keeps its file's text (Dag::source), whose SHA-256 is the
// version a run of it records (store/dag_version.h).
#include <doctest/doctest.h>

#include <fstream>

#include "model/dag_source.h"
#include "model/ids.h"
#include "spec/folder_loader.h"
#include "spec/loader.h"
#include "store/dag_version.h"
#include "temp_dir.h"

using namespace dagrun;
using dagrun::testing::TempDir;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("a Dag loaded from text keeps the text, its version is the text's SHA-256") {
  const std::string text = R"({"dag_id": "d", "tasks": [{"task_id": "t", "command": ["true"]}]})";
  LoadResult r = load_dag_text(text, "d.json", LoadOptions{});
  REQUIRE(r.ok());
  REQUIRE(r.dag->source);
  CHECK(r.dag->source->text() == text);
  CHECK(r.dag->source->version() == sha256_hex(text));
  CHECK(r.dag->source->version().size() == 64);

  const Dag copy = *r.dag;  // copies share the one text
  CHECK(copy.source.get() == r.dag->source.get());
}

TEST_CASE("a Dag loaded from a file keeps its exact bytes, whitespace and line ends included") {
  TempDir dir;
  const std::string text = "{\r\n  \"dag_id\": \"f\",\r\n  \"tasks\": [{\"task_id\": \"t\", \"command\": [\"é\"]}]\r\n}\r\n\n";
  write(dir / "f.json", text);
  LoadResult r = load_dag_file(dir / "f.json", LoadOptions{});
  REQUIRE(r.ok());
  REQUIRE(r.dag->source);
  CHECK(r.dag->source->text() == text);

  const auto v = dag_version_of(*r.dag, TimePoint{});
  REQUIRE(v);
  CHECK(v->dag_id == "f");
  CHECK(v->version == sha256_hex(text));
  CHECK(v->source == text);
  CHECK(v->file == (dir / "f.json").string());
}

TEST_CASE("a folder's DAGs keep their texts, a Dag built in code has no version") {
  TempDir dir;
  const std::string a = R"({"dag_id": "a", "tasks": [{"task_id": "t", "command": ["true"]}]})";
  const std::string b = R"({"dag_id": "b", "tasks": [{"task_id": "t", "command": ["false"]}]})";
  write(dir / "a.json", a);
  write(dir / "b.json", b);
  std::vector<LoadResult> results = load_dag_folder(dir.path(), LoadOptions{});
  REQUIRE(results.size() == 2);
  REQUIRE(results[0].ok());
  REQUIRE(results[1].ok());
  CHECK(results[0].dag->source->text() == a);
  CHECK(results[1].dag->source->text() == b);
  CHECK(results[0].dag->source->version() != results[1].dag->source->version());

  Dag built;
  built.dag_id = "code";
  CHECK_FALSE(dag_version_of(built, TimePoint{}));
}
