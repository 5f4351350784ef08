// The executors refuse, at run time, what the trust rules refuse at load time:
// a DAG that reached the runner without the validating loader still cannot run
// a command, an in_process plugin or a plugin from an untrusted directory.
#include <doctest/doctest.h>

#include "app/executors.h"
#include "exec/exec_test_support.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

struct Engine {
  TempDir home;
  TempDir stray;  // a --plugin-path directory nobody trusted
  app::EnginePaths paths;
  EngineConfig config;
  std::unique_ptr<PluginCatalog> plugins;

  explicit Engine(DagAuthors authors) {
    std::filesystem::copy_file(plugin_dir() / "dagrun_noop.so", stray.path() / "dagrun_log.so");
    paths.root = home.path();
    paths.task_host = task_host();
    config.trust.dag_authors = authors;
    config.trust.plugin_dirs = {plugin_dir()};
    // As discover_plugins orders them: the flag's directory first.
    plugins = std::make_unique<PluginCatalog>(std::vector<std::filesystem::path>{stray.path(), plugin_dir()});
  }
  TryOutcome run(TryFixture& f, FakeSink& sink) { return run(f.task.kind(), f.request(), sink); }
  TryOutcome run(TaskKind kind, const TryRequest& request, FakeSink& sink) {
    ExecutorSet executors = app::make_executors(paths, *plugins, config);
    CancelToken cancel;
    return executors.find(kind)->run(request, sink, cancel);
  }
};

}  // namespace

TEST_CASE("untrusted mode: the executors refuse a command task before it starts") {
  Engine engine(DagAuthors::untrusted);
  TryFixture f;
  const auto marker = f.dir.path() / "ran";
  as_command(f.task).argv = {"touch", marker.string()};
  FakeSink sink;
  TryOutcome out = engine.run(f, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't' refused: command tasks are refused") == 0);
  CHECK(sink.logged("command tasks are refused"));
  CHECK(sink.pids.empty());
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("untrusted mode: in_process, untrusted directories and loader variables are refused at run time") {
  Engine engine(DagAuthors::untrusted);
  FakeSink sink;
  TryFixture in_process;
  in_process.plugin("noop");
  set_in_process(in_process.task);
  TryOutcome out = engine.run(in_process, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("isolation 'in_process' is refused") != std::string::npos);

  TryFixture shadowed;  // "log" exists in the trusted directory too, but the stray copy comes first
  shadowed.plugin("log");
  out = engine.run(shadowed, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("would be loaded from " + (engine.stray.path() / "dagrun_log.so").string()) !=
        std::string::npos);

  TryFixture preload;
  preload.plugin("noop");
  preload.task.env = {{"LD_PRELOAD", "/nonexistent.so"}};
  out = engine.run(preload, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("env 'LD_PRELOAD' is refused") != std::string::npos);
  CHECK(sink.pids.empty());  // no task host was started for any of them
}

TEST_CASE("untrusted mode: an isolated plugin from a trusted directory runs") {
  Engine engine(DagAuthors::untrusted);
  TryFixture f;
  f.plugin("noop");
  FakeSink sink;
  TryOutcome out = engine.run(f, sink);
  CHECK_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  CHECK(sink.pids.size() == 1);
}

TEST_CASE("untrusted mode: a plugin try gets the DAG's data directory as DAGRUN_PARAM_ROOT, the engine's value") {
  Engine engine(DagAuthors::untrusted);
  TryFixture f;
  f.plugin("echo_xcom", {{"push_env", {"DAGRUN_PARAM_ROOT"}}});
  TryRequest request = f.request();
  // The loader and the trust rules refuse DAGRUN_* in a task's env; were one
  // to arrive anyway, the engine's value replaces it.
  request.env.insert(request.env.begin(), {"DAGRUN_PARAM_ROOT", "/"});
  FakeSink sink;
  TryOutcome out = engine.run(TaskKind::plugin, request, sink);
  REQUIRE_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  const std::string root = (engine.home.path() / "data" / "test_dag").string();
  // Both ways a plugin reads it: the context's env list and the process environment.
  CHECK(nlohmann::json::parse(sink.pushed.at("env.DAGRUN_PARAM_ROOT")) ==
        nlohmann::json{{"context", root}, {"entries", 1}, {"process", root}});
}

TEST_CASE("untrusted mode: a plugin task of a DAG without a directory of its own is refused") {
  Engine engine(DagAuthors::untrusted);
  TryFixture f;
  f.dag.dag_id = "..";  // the loader refuses the id; the executor does not rely on that
  f.plugin("noop");
  FakeSink sink;
  TryOutcome out = engine.run(f, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("has no DAGRUN_PARAM_ROOT") != std::string::npos);
  CHECK(sink.pids.empty());
}

TEST_CASE("trusted mode: a plugin try gets no DAGRUN_PARAM_ROOT") {
  Engine engine(DagAuthors::trusted);
  TryFixture f;
  f.plugin("echo_xcom", {{"push_env", {"DAGRUN_PARAM_ROOT"}}});
  FakeSink sink;
  TryOutcome out = engine.run(f, sink);
  REQUIRE_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  CHECK(nlohmann::json::parse(sink.pushed.at("env.DAGRUN_PARAM_ROOT")) ==
        nlohmann::json{{"context", nullptr}, {"entries", 0}, {"process", nullptr}});
}

TEST_CASE("trusted mode: the executors run commands as before") {
  Engine engine(DagAuthors::trusted);
  TryFixture f;
  const auto marker = f.dir.path() / "ran";
  as_command(f.task).argv = {"touch", marker.string()};
  FakeSink sink;
  TryOutcome out = engine.run(f, sink);
  CHECK_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  CHECK(std::filesystem::exists(marker));
}
