#include <doctest/doctest.h>

#include <unistd.h>

#include "news/files.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;
namespace fs = std::filesystem;

// The temporary name is "<name>.tmp-<pid>.<n>", and the DAG's containers can
// write in the directory: a link planted under the name must not be followed.
TEST_CASE("write_file_atomic follows no link planted under its temporary name") {
  TempDir dir, elsewhere;
  const fs::path victim = elsewhere / "victim";
  write_text(victim, "the engine user's file");
  // n counts this process's writes so far, which the test cannot know: plant a
  // link for each of the first few thousand.
  constexpr int kPlanted = 4096;
  const std::string prefix = "seen.json" + std::string(kTempMarker) + std::to_string(::getpid()) + ".";
  for (int n = 1; n <= kPlanted; ++n) fs::create_symlink(victim, dir / (prefix + std::to_string(n)));

  write_file_atomic(dir / "seen.json", "{}\n");
  CHECK(read_file(victim) == "the engine user's file");
  CHECK(read_file(dir / "seen.json") == "{}\n");
  CHECK(!fs::is_symlink(dir / "seen.json"));
  size_t links = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) links += e.is_symlink() ? 1 : 0;
  REQUIRE_MESSAGE(links == kPlanted - 1, "the write used no planted name: raise kPlanted");
}
