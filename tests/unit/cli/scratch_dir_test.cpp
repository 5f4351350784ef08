// dagrun test's scratch directories: made new under a parent, gone afterwards
// with what was put in them and with the parents made for them, but not with
// a parent that holds something else by then.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "cli/scratch_dir.h"

using namespace dagrun::cli;
namespace fs = std::filesystem;

TEST_CASE("a scratch directory goes with its contents and the parents it made") {
  const fs::path root = fs::temp_directory_path() / ("dagrun-scratch-" + std::to_string(::getpid()));
  fs::create_directories(root);
  fs::path made;
  {
    ScratchDir dir(root / "data" / "etl", "test__");
    made = dir.path();
    CHECK(made.parent_path() == root / "data" / "etl");
    CHECK(made.filename().string().rfind("test__", 0) == 0);
    CHECK(fs::is_directory(made));
    std::ofstream(made / "out") << "x";
    fs::create_directories(made / "sub");
  }
  CHECK_FALSE(fs::exists(made));
  CHECK_FALSE(fs::exists(root / "data"));  // both parents were made for it
  CHECK(fs::exists(root));                 // this one was there before

  {
    ScratchDir dir(root / "data" / "etl", "test__");
    fs::create_directories(root / "data" / "etl" / "real_run");  // a run's, made meanwhile
  }
  CHECK(fs::exists(root / "data" / "etl" / "real_run"));
  fs::remove_all(root);
}

TEST_CASE("two scratch directories under one parent are two directories") {
  const fs::path root = fs::temp_directory_path();
  ScratchDir a(root, "dagrun-scratch-"), b(root, "dagrun-scratch-");
  CHECK(a.path() != b.path());
}
