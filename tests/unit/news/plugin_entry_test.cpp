#include <doctest/doctest.h>

#include "news/plugin_entry.h"
#include "news/stage_cleanup.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;

namespace {

// The context points into the strings: they must outlive it.
dagrun_task_context context_for(const std::string& data_dir, const std::string& params, const char* dag = "news") {
  dagrun_task_context c{};
  c.struct_size = sizeof c;
  c.dag_id = dag;
  c.run_id = "manual__1";
  c.task_id = "cleanup";
  c.try_number = 1;
  c.params_json = params.c_str();
  c.conf_json = "{}";
  c.data_dir = data_dir.c_str();
  return c;
}

}  // namespace

TEST_CASE("the dagrun home comes from DAGRUN_HOME in the task env") {
  const std::string dir = "/srv/dagrun/data/news/manual__1";
  const std::string null_params = "null";
  dagrun_task_context c = context_for(dir, null_params);
  CHECK(!dagrun_home(c));  // the layout of data_dir is not guessed at
  const dagrun_env_entry env[] = {{"OTHER", "x"}, {"DAGRUN_HOME", "/home/me/pipelines"}};
  c.env = env;
  c.env_count = 2;
  CHECK(dagrun_home(c) == std::filesystem::path("/home/me/pipelines"));
}

TEST_CASE("a stage plugin reads its params relative to the home and masks secrets in its error") {
  TempDir home;
  const std::filesystem::path run_dir = home / "data/news/manual__1";
  std::filesystem::create_directories(run_dir);
  write_text(home / ".env",
             "NAVER_CLIENT_SECRET=hunter2-secret\nSLACK_WEBHOOK_URL=https://hooks.slack.com/services/TA/BB/CC\n"
             "NEWS_RETENTION_DAYS=oops hunter2-secret\n");
  const std::string params = R"({"env_file": ".env", "data_dir": "news-data"})";
  const std::string dir = run_dir.string();
  const std::string home_text = home.path().string();
  const dagrun_env_entry env[] = {{"DAGRUN_HOME", home_text.c_str()}};
  dagrun_task_context c = context_for(dir, params);
  c.env = env;
  c.env_count = 1;
  FakeHost host;
  CHECK(run_stage_plugin(&c, &host.table, "cleanup", &cleanup) == DAGRUN_FAILED_NO_RETRY);
  CHECK(host.error ==
        "cleanup: NEWS_RETENTION_DAYS in " + (home / ".env").string() +
            ": expected an integer from 1 to 3650, got 'oops ***'");

  FakeHost ok;
  write_text(home / ".env", "NEWS_RETENTION_DAYS=3\n");
  std::filesystem::create_directories(home / "news-data");
  write_text(home / "news-data/news_20200101.csv", "old");
  CHECK(run_stage_plugin(&c, &ok.table, "cleanup", &cleanup) == DAGRUN_SUCCESS);
  CHECK(!std::filesystem::exists(home / "news-data/news_20200101.csv"));
  CHECK(ok.error.empty());
}

TEST_CASE("a stage plugin refuses bad params without retry") {
  TempDir home;
  const std::string dir = (home / "data/news/r").string();
  const std::string bad_params = R"({"env": ".env"})";
  const dagrun_task_context c = context_for(dir, bad_params);
  FakeHost host;
  CHECK(run_stage_plugin(&c, &host.table, "cleanup", &cleanup) == DAGRUN_FAILED_NO_RETRY);
  CHECK(host.error == "cleanup: params: unknown key 'env' (known: env_file, data_dir, config)");
  const std::string elsewhere = "/elsewhere/run", relative_params = R"({"data_dir": "news-data"})";
  const dagrun_task_context relative = context_for(elsewhere, relative_params);
  CHECK(run_stage_plugin(&relative, &host.table, "cleanup", &cleanup) == DAGRUN_FAILED_NO_RETRY);
  CHECK(host.error ==
        "cleanup: NEWS_DATA_DIR 'news-data' is relative but the dagrun home is unknown; give an absolute path");
}
