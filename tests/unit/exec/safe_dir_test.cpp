#include "exec/safe_dir.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.h"

using namespace dagrun;
using dagrun::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("make_dirs_below creates the root and each component, and is idempotent") {
  TempDir tmp;
  make_dirs_below(tmp / "data", "dag/run");
  CHECK(fs::is_directory(tmp / "data" / "dag" / "run"));
  make_dirs_below(tmp / "data", "dag/run");
  CHECK(fs::is_directory(tmp / "data" / "dag" / "run"));
}

TEST_CASE("make_dirs_below refuses a link planted at any component and leaves its target alone") {
  TempDir tmp;
  fs::create_directories(tmp / "outside");
  ::chmod((tmp / "outside").c_str(), 0700);
  fs::create_directories(tmp / "data" / "dag");
  SUBCASE("the run's directory") {
    fs::create_directory_symlink(tmp / "outside", tmp / "data" / "dag" / "run");
    CHECK_THROWS_AS(make_dirs_below(tmp / "data", "dag/run"), UnsafeDirError);
    CHECK_THROWS_AS(chmod_dir_below(tmp / "data", "dag/run", 01777), UnsafeDirError);
  }
  SUBCASE("the dag's directory") {
    fs::remove(tmp / "data" / "dag");
    fs::create_directory_symlink(tmp / "outside", tmp / "data" / "dag");
    CHECK_THROWS_AS(make_dirs_below(tmp / "data", "dag/run"), UnsafeDirError);
    CHECK_THROWS_AS(chmod_dir_below(tmp / "data", "dag/run", 01777), UnsafeDirError);
  }
  SUBCASE("a file") {
    write(tmp / "data" / "dag" / "run", "x");
    CHECK_THROWS_AS(make_dirs_below(tmp / "data", "dag/run"), UnsafeDirError);
  }
  CHECK(fs::is_empty(tmp / "outside"));
  CHECK(mode_of(tmp / "outside") == 0700);
}

TEST_CASE("make_dirs_below refuses paths that leave the root") {
  TempDir tmp;
  CHECK_THROWS_AS(make_dirs_below(tmp / "data", "../x"), UnsafeDirError);
  CHECK_THROWS_AS(make_dirs_below(tmp / "data", "/tmp/x"), UnsafeDirError);
  CHECK_FALSE(fs::exists(tmp / "x"));
}

TEST_CASE("chmod_dir_below opens a real directory to every user") {
  TempDir tmp;
  make_dirs_below(tmp / "data", "dag/run");
  chmod_dir_below(tmp / "data", "dag/run", 01777);
  CHECK(mode_of(tmp / "data" / "dag" / "run") == 01777);
}

TEST_CASE("remove_below removes a tree and only removes the links in it") {
  TempDir tmp;
  fs::create_directories(tmp / "outside" / "keep");
  write(tmp / "outside" / "keep" / "file", "precious");
  const fs::path run = tmp / "data" / "dag" / "run";
  fs::create_directories(run / "a" / "b");
  write(run / "a" / "b" / "f", "x");
  fs::create_directory_symlink(tmp / "outside", run / "dir_link");
  fs::create_directory_symlink(tmp / "outside", run / "a" / "b" / "deep_link");
  fs::create_symlink(tmp / "outside" / "keep" / "file", run / "file_link");
  std::error_code ec;
  CHECK(remove_below(tmp / "data", "dag/run", ec));
  CHECK_FALSE(ec);
  CHECK_FALSE(fs::exists(fs::symlink_status(run)));
  CHECK(fs::is_directory(tmp / "data" / "dag"));
  std::ifstream in(tmp / "outside" / "keep" / "file");
  std::string text;
  in >> text;
  CHECK(text == "precious");
}

TEST_CASE("remove_below removes a planted link itself, never what it points to") {
  TempDir tmp;
  fs::create_directories(tmp / "outside");
  write(tmp / "outside" / "file", "precious");
  fs::create_directories(tmp / "data" / "dag");
  fs::create_directory_symlink(tmp / "outside", tmp / "data" / "dag" / "run");
  std::error_code ec;
  CHECK(remove_below(tmp / "data", "dag/run", ec));
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp / "data" / "dag" / "run")));
  CHECK(fs::exists(tmp / "outside" / "file"));

  SUBCASE("a link in place of the dag's directory is not walked through") {
    fs::remove(tmp / "data" / "dag");
    fs::create_directories(tmp / "outside" / "run");
    fs::create_directory_symlink(tmp / "outside", tmp / "data" / "dag");
    CHECK_FALSE(remove_below(tmp / "data", "dag/run", ec));
    CHECK(fs::is_directory(tmp / "outside" / "run"));
    CHECK(fs::exists(tmp / "outside" / "file"));
  }
}

TEST_CASE("remove_below of a missing path succeeds and never removes the root") {
  TempDir tmp;
  std::error_code ec;
  CHECK(remove_below(tmp / "nothing", "dag/run", ec));
  fs::create_directories(tmp / "data");
  CHECK_FALSE(remove_below(tmp / "data", "", ec));
  CHECK(fs::is_directory(tmp / "data"));
}
