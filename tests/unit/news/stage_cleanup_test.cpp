#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "news/seen_store.h"
#include "news/stage_cleanup.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;
namespace fs = std::filesystem;

namespace {

void set_mtime(const fs::path& path, SysTime when) {
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = std::chrono::system_clock::to_time_t(when);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

Article seen_article(const std::string& link) { return {"k", link, link, "", "", "", 0}; }

}  // namespace

TEST_CASE("classify_own_file knows the bot's names and nothing else") {
  CHECK(classify_own_file("news_20261129.csv") == OwnFile::csv);
  CHECK(classify_own_file("news_20261129.csv.tmp-123.4") == OwnFile::leftover);
  CHECK(classify_own_file("seen.json.tmp-99.1") == OwnFile::leftover);
  for (const char* other : {"seen.json", ".news.lock", "news_20261129.csv.bak", "notes.txt", "seen.json.tmp-x.1",
                            "seen.json.tmp-12", "other.csv.tmp-1.2", "news_20261131.csv", "data.json"})
    CHECK_MESSAGE(classify_own_file(other) == OwnFile::none, other);
}

TEST_CASE("cleanup removes only the bot's own files older than the retention") {
  using namespace std::chrono;
  Rig rig;  // now: 2026-11-29 12:00 KST; retention 7 days
  const fs::path dir = rig.news_dir.path();
  TempDir outside;
  write_text(outside / "news_20200101.csv", "precious");
  for (const char* name : {"news_20261120.csv", "news_20261121.csv", "news_20261122.csv", "news_20261129.csv",
                           "news_20261120.csv.bak", "notes.txt", "seen.json.tmp-1.1", "seen.json.tmp-2.1"})
    write_text(dir / name, "x");
  set_mtime(dir / "notes.txt", rig.now - days(400));
  set_mtime(dir / "news_20261120.csv.bak", rig.now - days(400));
  set_mtime(dir / "seen.json.tmp-1.1", rig.now - days(8));
  set_mtime(dir / "seen.json.tmp-2.1", rig.now - days(1));
  fs::create_symlink(outside / "news_20200101.csv", dir / "news_20200101.csv");
  fs::create_directory(dir / "news_20200102.csv");
  SeenStore seen = SeenStore::load(dir);
  seen.add(seen_article("old"), rig.now - days(10));
  seen.add(seen_article("recent"), rig.now - days(1));
  seen.save();

  REQUIRE(rig.run(cleanup) == DAGRUN_SUCCESS);

  for (const char* gone : {"news_20261120.csv", "news_20261121.csv", "seen.json.tmp-1.1"})
    CHECK_MESSAGE(!fs::exists(fs::symlink_status(dir / gone)), gone);
  for (const char* kept : {"news_20261122.csv", "news_20261129.csv", "news_20261120.csv.bak", "notes.txt",
                           "seen.json.tmp-2.1", "seen.json", ".news.lock", "news_20200102.csv"})
    CHECK_MESSAGE(fs::exists(dir / kept), kept);
  CHECK(fs::is_symlink(dir / "news_20200101.csv"));
  CHECK(read_text(outside / "news_20200101.csv") == "precious");

  const auto summary = nlohmann::json::parse(rig.host.xcom.at("summary"));
  auto removed = summary["removed"].get<std::vector<std::string>>();
  std::sort(removed.begin(), removed.end());  // in directory order
  CHECK(removed == std::vector<std::string>{"news_20261120.csv", "news_20261121.csv", "seen.json.tmp-1.1"});
  CHECK(summary["pruned_seen"] == 1);
  const SeenStore after = SeenStore::load(dir);
  CHECK(after.size() == 1);
  CHECK(after.contains(seen_article("recent")));
  bool refused = false;
  for (const auto& line : rig.host.logs) refused = refused || line.find("refusing to delete news_20200101.csv") == 0;
  CHECK(refused);
}

TEST_CASE("cleanup follows the retention setting") {
  Rig rig;
  rig.values.insert_or_assign("NEWS_RETENTION_DAYS", std::string("1"));  // operator= trips GCC 12 -Wrestrict
  write_text(rig.news_dir / "news_20261127.csv", "x");
  write_text(rig.news_dir / "news_20261128.csv", "x");
  REQUIRE(rig.run(cleanup) == DAGRUN_SUCCESS);
  CHECK(!fs::exists(rig.news_dir / "news_20261127.csv"));
  CHECK(fs::exists(rig.news_dir / "news_20261128.csv"));
}

TEST_CASE("cleanup refuses a data directory that is a symbolic link") {
  Rig rig;
  TempDir elsewhere;
  write_text(elsewhere / "news_20200101.csv", "x");
  const fs::path link = rig.news_dir / "link";
  fs::create_directory_symlink(elsewhere.path(), link);
  rig.values["NEWS_DATA_DIR"] = link.string();
  CHECK(rig.run(cleanup) == DAGRUN_FAILED_NO_RETRY);
  CHECK(rig.host.error.find("is a symbolic link or not a directory") != std::string::npos);
  CHECK(fs::exists(elsewhere / "news_20200101.csv"));
}

TEST_CASE("cleanup of a data directory that does not exist yet does nothing") {
  Rig rig;
  rig.values["NEWS_DATA_DIR"] = (rig.news_dir / "later").string();
  REQUIRE(rig.run(cleanup) == DAGRUN_SUCCESS);
  CHECK(!fs::exists(rig.news_dir / "later"));
  CHECK(nlohmann::json::parse(rig.host.xcom.at("summary"))["removed"].empty());
}
