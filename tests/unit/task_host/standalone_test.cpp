// dagrun-task-host --standalone, the entry point of a plugin container, run
// as a real child process with the build tree's plugins: the try comes from
// the environment, log lines and the reason go to stderr, XCom pushes to
// stdout, the status becomes the exit code.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sanitizers.h"
#include "../exec/exec_test_support.h"
#include "base/process.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

struct Standalone {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path cwd;
  std::vector<int> blocked_signals;
  std::function<void(const Child&)> after_spawn;

  Standalone() {
    // Whatever the test runner's environment holds, these start unset.
    for (const char* key : {"DAGRUN_DAG_ID", "DAGRUN_RUN_ID", "DAGRUN_TASK_ID", "DAGRUN_TRY_NUMBER", "DAGRUN_PARAMS",
                            "DAGRUN_CONF", "DAGRUN_TMP_DIR", "DAGRUN_MEMORY_LIMIT", "DAGRUN_CPU_LIMIT"})
      env.emplace_back(key, "");
  }
  void set(const std::string& key, const std::string& value) { env.emplace_back(key, value); }

  struct Result {
    ExitStatus status;
    std::string out, err;
    std::string last_err_line() const {
      auto end = err.size() && err.back() == '\n' ? err.size() - 1 : err.size();
      auto start = err.rfind('\n', end ? end - 1 : 0);
      return err.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
    }
  };

  Result run(const std::string& plugin_file) {
    const auto out_path = dir.path() / "stdout", err_path = dir.path() / "stderr";
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    SpawnSpec spec;
    spec.argv = {task_host().string(), "--standalone", plugin_file};
    spec.search_path = false;
    spec.env = env;
    spec.cwd = cwd.empty() ? dir.path() : cwd;
    spec.stdout_fd = out;
    spec.stderr_fd = err;
    spec.blocked_signals = blocked_signals;
    Child child = spawn_process(spec);
    ::close(out);
    ::close(err);
    if (after_spawn) after_spawn(child);
    Result r;
    r.status = child.reap();
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
  }
};

std::string plugin(const std::string& name) { return (plugin_dir() / ("dagrun_" + name + ".so")).string(); }

}  // namespace

TEST_CASE("standalone: the status is the exit code and the reason is stderr's last line") {
  Standalone s;
  s.set("DAGRUN_TRY_NUMBER", "2");
  s.set("DAGRUN_PARAMS", R"({"message": "upstream API returned 503"})");
  auto failed = s.run(plugin("fail"));
  CHECK(failed.status.exit_code == 1);
  CHECK(failed.last_err_line() == "ERROR upstream API returned 503 (try 2)");
  CHECK(failed.out.empty());

  s.set("DAGRUN_PARAMS", R"({"no_retry": true})");
  CHECK(s.run(plugin("fail")).status.exit_code == 2);
  s.set("DAGRUN_PARAMS", R"({"skip": true})");
  CHECK(s.run(plugin("fail")).status.exit_code == 3);
  s.set("DAGRUN_PARAMS", R"({"silent": true})");
  CHECK(s.run(plugin("fail")).last_err_line() == "ERROR plugin 'fail' failed without giving a reason");
  CHECK(s.run(plugin("noop")).status.exit_code == 0);
}

TEST_CASE("standalone: log lines go to stderr as LEVEL message, the plugin's own output where it wrote it") {
  Standalone s;
  s.set("DAGRUN_TASK_ID", "fetch");
  auto r = s.run(plugin("log"));
  REQUIRE(r.status.exit_code == 0);
  CHECK(r.err.find("DEBUG log: a debug line\nINFO log: an info line\nWARN log: a warning\nERROR log: an error line\n") !=
        std::string::npos);
  CHECK(r.err.find("INFO log: first of two lines\n    log: second of two lines\n") != std::string::npos);
  CHECK(r.err.find("log: to stderr\n") != std::string::npos);
  CHECK(r.out == "log: to stdout from task fetch\n");
}

TEST_CASE("standalone: each XCom push is one JSON line on stdout, nothing else") {
  Standalone s;
  s.set("DAGRUN_PARAMS", R"({"push": {"count": 3, "summary": {"sent": 14, "csv": "news_20261129.csv"}}})");
  auto r = s.run(plugin("echo_xcom"));
  REQUIRE(r.status.exit_code == 0);
  CHECK(r.out == "{\"key\":\"count\",\"value\":3}\n"
                 "{\"key\":\"summary\",\"value\":{\"csv\":\"news_20261129.csv\",\"sent\":14}}\n");
  CHECK(r.err.empty());

  s.set("DAGRUN_PARAMS", R"({"push_raw": {"k": "not json"}})");
  auto refused = s.run(plugin("echo_xcom"));
  CHECK(refused.status.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err.find("WARN xcom_push 'k' refused: the value is not valid JSON\n") != std::string::npos);
}

TEST_CASE("standalone: an XCom pull finds nothing and says why once") {
  Standalone s;
  s.set("DAGRUN_PARAMS", R"({"pull": [{"task_id": "up", "key": "a"}, {"task_id": "up", "key": "b"}]})");
  auto r = s.run(plugin("echo_xcom"));
  REQUIRE(r.status.exit_code == 0);
  CHECK(r.err.find("INFO pulled up.a = (none)\nINFO pulled up.b = (none)\n") != std::string::npos);
  const std::string note = "cannot pull XCom values";
  auto first = r.err.find(note);
  CHECK(first != std::string::npos);
  CHECK(r.err.find(note, first + 1) == std::string::npos);
}

TEST_CASE("standalone: SIGTERM, as docker stop sends it, cancels the try") {
  Standalone s;
  s.set("DAGRUN_PARAMS", R"({"seconds": 60})");
  // Blocked at the start, the signal stays pending until the host handles
  // it, so sending it at once cannot kill the host before it is ready.
  s.blocked_signals = {SIGTERM};
  s.after_spawn = [](const Child& child) { ::kill(child.pid(), SIGTERM); };
  auto r = s.run(plugin("sleep"));
  CHECK(r.status.exit_code == 1);
  CHECK(r.last_err_line() == "ERROR sleep: cancelled");
}

TEST_CASE("standalone: the context comes from the environment, the data directory from DAGRUN_TMP_DIR") {
  // The real filter_duplicates stage: it reads fetched.json from the data
  // directory, its configuration from DAGRUN_PARAMS relative to DAGRUN_HOME.
  Standalone s;
  const auto run_dir = s.dir.path() / "home/data/news/manual__1";
  std::filesystem::create_directories(run_dir);
  nlohmann::json article = {{"keyword", "서울 지하철"}, {"title", "2호선 지연"}, {"link", "https://n.news/1"},
                            {"originallink", "https://yna/1"}, {"description", "d"},
                            {"pub_date", "2026-11-29T10:00:00+09:00"}, {"pub_unix", 1795914000}};
  nlohmann::json copy = article;
  copy["link"] = "https://n.news/2";  // the same story from a second keyword or outlet
  std::ofstream(run_dir / "fetched.json") << nlohmann::json{{"version", 1}, {"count", 2}, {"articles", {article, copy}}};
  s.set("DAGRUN_HOME", (s.dir.path() / "home").string());
  s.set("DAGRUN_RUN_ID", "manual__1");
  s.set("DAGRUN_PARAMS", R"({"data_dir": "news-data"})");
  s.set("DAGRUN_TMP_DIR", run_dir.string());

  auto r = s.run(plugin("filter_duplicates"));
  REQUIRE_MESSAGE(r.status.exit_code == 0, r.err);
  CHECK(r.err.find("of run manual__1") != std::string::npos);
  auto written = nlohmann::json::parse(read_file(run_dir / "new_articles.json"));
  CHECK(written["count"] == 1);
  auto pushed = nlohmann::json::parse(r.out);
  CHECK(pushed["key"] == "summary");
  CHECK(pushed["value"]["new"] == 1);
  CHECK(pushed["value"]["duplicates"] == 1);

  // Without DAGRUN_TMP_DIR the working directory is the data directory, and
  // a relative plugin file is found there too.
  std::filesystem::remove(run_dir / "new_articles.json");
  std::filesystem::copy_file(plugin("filter_duplicates"), run_dir / "dagrun_filter_duplicates.so");
  s.set("DAGRUN_TMP_DIR", "");
  s.cwd = run_dir;
  REQUIRE(s.run("dagrun_filter_duplicates.so").status.exit_code == 0);
  CHECK(std::filesystem::exists(run_dir / "new_articles.json"));
}

TEST_CASE("standalone: a bad environment or plugin fails without retry, naming the cause") {
  Standalone s;
  s.set("DAGRUN_PARAMS", R"({"token": "s3cret", oops})");
  auto bad_json = s.run(plugin("noop"));
  CHECK(bad_json.status.exit_code == 2);
  CHECK(bad_json.err == "ERROR task host: DAGRUN_PARAMS is not valid JSON\n");  // the value may hold a secret

  Standalone t;
  t.set("DAGRUN_TRY_NUMBER", "0");
  auto bad_try = t.run(plugin("noop"));
  CHECK(bad_try.status.exit_code == 2);
  CHECK(bad_try.err == "ERROR task host: DAGRUN_TRY_NUMBER: expected a positive integer, got '0'\n");

  Standalone u;
  auto abi = u.run((broken_plugin_dir() / "dagrun_bad_abi.so").string());
  CHECK(abi.status.exit_code == 2);
  CHECK(abi.err.find("was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0") != std::string::npos);

  u.set("DAGRUN_TMP_DIR", (u.dir.path() / "missing").string());
  auto no_dir = u.run(plugin("noop"));
  CHECK(no_dir.status.exit_code == 2);
  CHECK(no_dir.err.find("ERROR task host: cannot enter the data directory") == 0);
}

TEST_CASE("standalone: the memory limit and a runaway exception end the try with a reason") {
  Standalone s;
  s.set("DAGRUN_MEMORY_LIMIT", std::to_string(64 << 20));
  auto hog = s.run(plugin("hog"));
  if (dagrun::test::kSanitizerAllocator) {
    CHECK(hog.status.exit_code != 0);
  } else {
    CHECK(hog.status.exit_code == 1);
    CHECK(hog.last_err_line() == "ERROR memory limit of 67108864 bytes exceeded (DAGRUN_MEMORY_LIMIT)");
  }

  Standalone t;
  auto thrown = t.run(plugin("throw"));
  CHECK(thrown.status.exit_code == 1);
  CHECK(thrown.last_err_line() ==
        "ERROR plugin 'throw' threw an exception out of run(): thrown on purpose by the throw plugin");
  t.set("DAGRUN_PARAMS", R"({"in_thread": true})");
  auto terminated = t.run(plugin("throw"));
  CHECK(terminated.status.signal == SIGABRT);
  CHECK(terminated.last_err_line() == "ERROR plugin 'throw' terminated: uncaught exception of type std::runtime_error");
}

TEST_CASE("standalone: a reason the plugin also logged is not repeated") {
  // filter_duplicates logs its error and sets it: one line must say it.
  Standalone s;
  s.set("DAGRUN_PARAMS", R"({"data_dir": "news-data"})");
  s.set("DAGRUN_HOME", s.dir.path().string());
  auto r = s.run(plugin("filter_duplicates"));
  CHECK(r.status.exit_code == 1);
  const std::string reason = "ERROR filter_duplicates: " + (s.dir.path() / "fetched.json").string() +
                             ": no such file; the upstream stage writes it into the run's data directory";
  CHECK(r.last_err_line() == reason);
  CHECK(r.err.find(reason) == r.err.rfind(reason));
}
