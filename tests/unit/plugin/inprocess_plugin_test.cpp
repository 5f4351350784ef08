// in_process isolation: plugins loaded into the test process itself.
#include <doctest/doctest.h>

#include "../exec/exec_test_support.h"
#include "exec/plugin_executor.h"
#include "plugin/catalog.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

TryOutcome run_in_process(TryFixture& f, FakeSink& sink, const CancelToken& cancel) {
  set_in_process(f.task);
  PluginCatalog catalog({plugin_dir(), broken_plugin_dir()});
  return make_plugin_executor(catalog, test_options())->run(f.request(), sink, cancel);
}

TryOutcome run_in_process(TryFixture& f, FakeSink& sink) {
  CancelToken cancel;
  return run_in_process(f, sink, cancel);
}

}  // namespace

TEST_CASE("in_process: noop succeeds on the calling thread without a child") {
  TryFixture f;
  f.plugin("noop");
  FakeSink sink;
  auto out = run_in_process(f, sink);
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(sink.pids.empty());
}

TEST_CASE("in_process: failures, no-retry and the generic error") {
  TryFixture f;
  FakeSink sink;
  f.plugin("fail", {{"message", "bad input"}});
  auto out = run_in_process(f, sink);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "bad input (try 1)");
  f.plugin("fail", {{"no_retry", true}});
  CHECK(run_in_process(f, sink).status == TryOutcome::Status::failed_no_retry);
  f.plugin("fail", {{"silent", true}});
  CHECK(run_in_process(f, sink).error == "plugin 'fail' failed without giving a reason");
}

TEST_CASE("in_process: log lines reach the try log and the sink") {
  TryFixture f;
  f.plugin("log");
  FakeSink sink;
  REQUIRE(run_in_process(f, sink).status == TryOutcome::Status::success);
  auto log = f.log_text();
  CHECK(log.find("Z WARN log: a warning\n") != std::string::npos);
  CHECK(log.find("Z INFO log: first of two lines\n    log: second of two lines\n") != std::string::npos);
  CHECK(sink.logged("log: an error line"));
}

TEST_CASE("in_process: XCom push and pull go straight to the sink") {
  TryFixture f;
  f.plugin("echo_xcom", {{"push", {{"n", 1}}},
                         {"pull", json::array({{{"task_id", "up"}, {"key", "k"}}})},
                         {"echo_as", "copy"}});
  FakeSink sink;
  sink.xcoms[{"up", "k"}] = "[1,2,3]";
  REQUIRE(run_in_process(f, sink).status == TryOutcome::Status::success);
  CHECK(sink.pushed.at("n") == "1");
  CHECK(sink.pushed.at("copy") == "[1,2,3]");
  CHECK(sink.logged("pulled up.k = [1,2,3]"));

  TryFixture bad;
  bad.plugin("echo_xcom", {{"push_raw", {{"k", "nope"}}}});
  FakeSink bad_sink;
  CHECK(run_in_process(bad, bad_sink).status == TryOutcome::Status::failed);
  CHECK(bad_sink.pushed.empty());
  CHECK(bad_sink.logged("xcom_push 'k' refused: the value is not valid JSON"));
}

TEST_CASE("in_process: an exception out of run() is caught at the boundary") {
  TryFixture f;
  f.plugin("throw");
  FakeSink sink;
  auto out = run_in_process(f, sink);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "plugin 'throw' threw an exception out of run(): thrown on purpose by the throw plugin");
}

TEST_CASE("in_process: a timeout turns is_cancelled on and fails the try when run() returns") {
  TryFixture f;
  f.plugin("sleep", {{"seconds", 100}});
  f.task.execution_timeout = 200ms;
  FakeSink sink;
  auto out = run_in_process(f, sink);
  CHECK(out.timed_out);
  CHECK(out.error == "timed out after 200ms");
}

TEST_CASE("in_process: cancellation turns is_cancelled on") {
  TryFixture f;
  f.plugin("sleep", {{"seconds", 100}});
  FakeSink sink;
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    cancel.cancel("shutting down");
  });
  auto out = run_in_process(f, sink, cancel);
  canceller.join();
  CHECK(out.cancelled);
  CHECK(out.error == "cancelled: shutting down");
}

TEST_CASE("in_process: a refused plugin never runs") {
  TryFixture f;
  f.plugin("bad_abi");
  FakeSink sink;
  auto out = run_in_process(f, sink);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0") != std::string::npos);
}

TEST_CASE("in_process: a library is loaded once per executor, not once per try") {
  TempDir dir;
  auto copy = dir.path() / "dagrun_noop.so";
  std::filesystem::copy_file(plugin_dir() / "dagrun_noop.so", copy);
  PluginCatalog catalog({dir.path()});
  auto executor = make_plugin_executor(catalog, test_options());
  TryFixture f;
  f.plugin("noop");
  set_in_process(f.task);
  FakeSink sink;
  CancelToken cancel;
  REQUIRE(executor->run(f.request(), sink, cancel).status == TryOutcome::Status::success);
  // Were the library opened again, the second try would fail to find the file.
  std::filesystem::remove(copy);
  CHECK(executor->run(f.request(2), sink, cancel).status == TryOutcome::Status::success);
  executor.reset();  // unloads the library
  auto fresh = make_plugin_executor(catalog, test_options());
  CHECK(fresh->run(f.request(3), sink, cancel).status == TryOutcome::Status::failed_no_retry);
}
