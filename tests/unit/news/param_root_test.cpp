// NEWS_DATA_DIR under DAGRUN_PARAM_ROOT: in untrusted mode the engine checks
// params.data_dir, but the bot also takes NEWS_DATA_DIR from params.config and
// from the env file the DAG names, which a DAG author may have written. With
// the root set, every source must name a directory inside the DAG's data
// directory, through no link a container could have planted there.
#include <doctest/doctest.h>

#include "news/config.h"
#include "news/plugin_entry.h"
#include "news/stage_cleanup.h"
#include "news/stage_error.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;
namespace fs = std::filesystem;

namespace {

// The message of the StageError load throws; fails the test when it throws none.
std::string refusal(const TaskParams& p, const fs::path& home, const fs::path& root) {
  try {
    NewsConfig::load(p, home, root);
  } catch (const StageError& e) {
    CHECK(e.status() == DAGRUN_FAILED_NO_RETRY);
    return e.what();
  }
  FAIL("NEWS_DATA_DIR was accepted");
  return "";
}

const std::string kOutside = "; in untrusted mode the bot keeps its files only there";

struct Home {
  TempDir dir;
  fs::path root = dir / "data/news";
  Home() { fs::create_directories(root); }
  std::string outside(const std::string& named) const {
    return named + " is outside the DAG's data directory " + root.string() + " (DAGRUN_PARAM_ROOT)" + kOutside;
  }
};

}  // namespace

TEST_CASE("with DAGRUN_PARAM_ROOT, an NEWS_DATA_DIR outside it is refused from every source") {
  Home h;
  TaskParams config;
  config.config["NEWS_DATA_DIR"] = "/tmp/x";
  CHECK(refusal(config, h.dir.path(), h.root) == h.outside("NEWS_DATA_DIR '/tmp/x' (from params.config)"));

  // The DAG author's own env file, in the DAGs folder: the engine lets it be read.
  fs::create_directories(h.dir / "dags");
  write_text(h.dir / "dags/bot.env", "NEWS_DATA_DIR=" + h.dir.path().string() + "\n");
  TaskParams file;
  file.env_file = "dags/bot.env";
  CHECK(refusal(file, h.dir.path(), h.root) == h.outside("NEWS_DATA_DIR '" + h.dir.path().string() + "' (from " +
                                                         (h.dir / "dags/bot.env").string() + ")"));

  TaskParams data_dir;
  data_dir.data_dir = "news-data";  // relative to the home, not to the root
  CHECK(refusal(data_dir, h.dir.path(), h.root) ==
        h.outside("NEWS_DATA_DIR 'news-data' (from params.data_dir, resolved to " + (h.dir / "news-data").string() +
                  ")"));

  // A sibling whose name starts like the root is not inside it.
  TaskParams sibling;
  sibling.config["NEWS_DATA_DIR"] = (h.dir / "data/news2").string();
  CHECK(refusal(sibling, h.dir.path(), h.root).find(" is outside the DAG's data directory") != std::string::npos);

  // The last source to set it is the one named, and the one checked.
  file.config["NEWS_DATA_DIR"] = "/srv/news";
  CHECK(refusal(file, h.dir.path(), h.root) == h.outside("NEWS_DATA_DIR '/srv/news' (from params.config)"));

  // ".." is still refused before anything else.
  TaskParams up;
  up.data_dir = "data/news/../../etc";
  CHECK(refusal(up, h.dir.path(), h.root) == "NEWS_DATA_DIR 'data/news/../../etc' must not contain '..'");
}

TEST_CASE("with DAGRUN_PARAM_ROOT, the root itself and directories below it are accepted") {
  Home h;
  TaskParams relative;
  relative.data_dir = "data/news/news-data";
  CHECK(NewsConfig::load(relative, h.dir.path(), h.root).news_data_dir() == h.root / "news-data");

  TaskParams equal;
  equal.config["NEWS_DATA_DIR"] = h.root.string() + "/";
  CHECK(NewsConfig::load(equal, h.dir.path(), h.root).news_data_dir() == h.root / "");

  fs::create_directories(h.root / "a");
  write_text(h.dir / ".env", "NEWS_DATA_DIR=" + (h.root / "a/b/c").string() + "\n");
  TaskParams file;
  file.env_file = ".env";
  CHECK(NewsConfig::load(file, h.dir.path(), h.root).news_data_dir() == h.root / "a/b/c");
}

TEST_CASE("with DAGRUN_PARAM_ROOT, a symbolic link below the root is refused") {
  Home h;
  const TempDir elsewhere;
  fs::create_directories(h.root / "store");
  fs::create_directory_symlink(elsewhere.path(), h.root / "store/link");
  TaskParams p;
  p.config["NEWS_DATA_DIR"] = (h.root / "store/link/news").string();
  CHECK(refusal(p, h.dir.path(), h.root) ==
        "NEWS_DATA_DIR '" + (h.root / "store/link/news").string() + "' (from params.config) runs through the "
        "symbolic link " + (h.root / "store/link").string() + " below the DAG's data directory " + h.root.string() +
        " (DAGRUN_PARAM_ROOT); the DAG's containers can write there, so in untrusted mode the bot follows no link "
        "below it");

  // The last component too: a link to a directory inside the root is refused all the same.
  fs::create_directory_symlink(h.root / "store", h.root / "alias");
  p.config["NEWS_DATA_DIR"] = (h.root / "alias").string();
  CHECK(refusal(p, h.dir.path(), h.root).find("runs through the symbolic link " + (h.root / "alias").string()) !=
        std::string::npos);
}

TEST_CASE("with DAGRUN_PARAM_ROOT empty or relative, NEWS_DATA_DIR is refused rather than unchecked") {
  Home h;
  TaskParams p;
  p.data_dir = "data/news";
  CHECK(refusal(p, h.dir.path(), "") ==
        "DAGRUN_PARAM_ROOT '' is not an absolute path, so NEWS_DATA_DIR cannot be checked against it");
  CHECK(refusal(p, h.dir.path(), "data/news").find("is not an absolute path") != std::string::npos);
  // Without NEWS_DATA_DIR there is nothing to check; the stages that need it say so.
  CHECK_NOTHROW(NewsConfig::load(TaskParams{}, h.dir.path(), ""));
}

TEST_CASE("without DAGRUN_PARAM_ROOT (trusted mode, another host), any absolute NEWS_DATA_DIR is accepted") {
  Home h;
  TaskParams p;
  p.config["NEWS_DATA_DIR"] = "/srv/news";
  CHECK(NewsConfig::load(p, h.dir.path()).news_data_dir() == "/srv/news");
  CHECK(NewsConfig::load(p, h.dir.path(), std::nullopt).news_data_dir() == "/srv/news");
}

TEST_CASE("a stage plugin takes DAGRUN_PARAM_ROOT from the task env and refuses before touching anything") {
  Home h;
  const fs::path run_dir = h.root / "manual__1";
  fs::create_directories(run_dir);
  fs::create_directories(h.dir / "dags");
  write_text(h.dir / "dags/bot.env", "NEWS_DATA_DIR=" + h.dir.path().string() + "\n");
  write_text(h.dir / "news_20200101.csv", "old");  // what cleanup would delete in the home
  const std::string params = R"({"env_file": "dags/bot.env"})";
  const std::string dir = run_dir.string(), home = h.dir.path().string(), root = h.root.string();
  dagrun_task_context c{};
  c.struct_size = sizeof c;
  c.dag_id = "news";
  c.run_id = "manual__1";
  c.task_id = "cleanup";
  c.try_number = 1;
  c.params_json = params.c_str();
  c.conf_json = "{}";
  c.data_dir = dir.c_str();
  const dagrun_env_entry env[] = {{"DAGRUN_HOME", home.c_str()}, {"DAGRUN_PARAM_ROOT", root.c_str()}};
  c.env = env;
  c.env_count = 2;
  CHECK(param_root(c) == h.root);
  FakeHost host;
  CHECK(run_stage_plugin(&c, &host.table, "cleanup", &cleanup) == DAGRUN_FAILED_NO_RETRY);
  CHECK(host.error == "cleanup: " + h.outside("NEWS_DATA_DIR '" + home + "' (from " +
                                             (h.dir / "dags/bot.env").string() + ")"));
  CHECK(fs::exists(h.dir / "news_20200101.csv"));
  CHECK(!fs::exists(h.dir / ".news.lock"));

  c.env_count = 1;  // no DAGRUN_PARAM_ROOT: the old behaviour, the home is cleaned
  CHECK(!param_root(c));
  FakeHost trusted;
  CHECK(run_stage_plugin(&c, &trusted.table, "cleanup", &cleanup) == DAGRUN_SUCCESS);
  CHECK(!fs::exists(h.dir / "news_20200101.csv"));
}
