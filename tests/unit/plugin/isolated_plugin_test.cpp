// Process isolation with real plugins from the build tree and the real task host.
#include <doctest/doctest.h>

#include "sanitizers.h"
#include "../exec/exec_test_support.h"
#include "exec/plugin_executor.h"
#include "plugin/catalog.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

TryOutcome run_isolated(TryFixture& f, FakeSink& sink, const PluginCatalog& catalog, const CancelToken& cancel) {
  process_limits(f.task);  // in a task host of its own
  return make_plugin_executor(catalog, test_options())->run(f.request(), sink, cancel);
}

TryOutcome run_isolated(TryFixture& f, FakeSink& sink) {
  PluginCatalog catalog({plugin_dir()});
  CancelToken cancel;
  return run_isolated(f, sink, catalog, cancel);
}

TryOutcome run_isolated(TryFixture& f) {
  FakeSink sink;
  return run_isolated(f, sink);
}

}  // namespace

TEST_CASE("isolated: noop succeeds in a child process") {
  TryFixture f;
  f.plugin("noop");
  FakeSink sink;
  auto out = run_isolated(f, sink);
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(out.error.empty());
  REQUIRE(sink.pids.size() == 1);
  CHECK(sink.pids[0] != ::getpid());
}

TEST_CASE("isolated: log lines, stdout and stderr all reach the try log") {
  TryFixture f;
  f.plugin("log");
  FakeSink sink;
  auto out = run_isolated(f, sink);
  REQUIRE(out.status == TryOutcome::Status::success);
  auto log = f.log_text();
  CHECK(log.find("Z DEBUG log: a debug line\n") != std::string::npos);
  CHECK(log.find("Z INFO log: an info line\n") != std::string::npos);
  CHECK(log.find("Z WARN log: a warning\n") != std::string::npos);
  CHECK(log.find("Z ERROR log: an error line\n") != std::string::npos);
  CHECK(log.find("Z INFO log: first of two lines\n    log: second of two lines\n") != std::string::npos);
  CHECK(log.find("log: to stdout from task t\n") != std::string::npos);
  CHECK(log.find("log: to stderr\n") != std::string::npos);
  CHECK(sink.logged("log: a warning"));
}

TEST_CASE("isolated: failures carry the plugin's error and retry intent") {
  TryFixture f;
  f.plugin("fail", {{"message", "upstream API returned 503"}});
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "upstream API returned 503 (try 1)");

  f.plugin("fail", {{"no_retry", true}});
  CHECK(run_isolated(f).status == TryOutcome::Status::failed_no_retry);

  f.plugin("fail", {{"silent", true}});
  CHECK(run_isolated(f).error == "plugin 'fail' failed without giving a reason");

  f.plugin("fail", {{"skip", true}});
  CHECK(run_isolated(f).status == TryOutcome::Status::skipped);
}

TEST_CASE("isolated: the try number reaches the plugin") {
  TryFixture f;
  f.plugin("fail", {{"succeed_on_try", 2}});
  FakeSink sink;
  PluginCatalog catalog({plugin_dir()});
  CancelToken cancel;
  auto executor = make_plugin_executor(catalog, test_options());
  CHECK(executor->run(f.request(1), sink, cancel).status == TryOutcome::Status::failed);
  CHECK(executor->run(f.request(2), sink, cancel).status == TryOutcome::Status::success);
}

TEST_CASE("isolated: a segfaulting plugin fails only its own try") {
  TryFixture f;
  f.plugin("crash");
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.signal == SIGSEGV);
  CHECK(out.error == "plugin host killed by signal 11 (SIGSEGV)");
  CHECK(f.log_text().find("crash: about to write through a null pointer") != std::string::npos);
}

TEST_CASE("isolated: an aborting plugin is reported with SIGABRT") {
  TryFixture f;
  f.plugin("abort");
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "plugin host killed by signal 6 (SIGABRT)");
}

TEST_CASE("isolated: an exception thrown out of run() fails the try with its message") {
  TryFixture f;
  f.plugin("throw");
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "plugin 'throw' threw an exception out of run(): thrown on purpose by the throw plugin");
}

TEST_CASE("isolated: std::terminate in a plugin thread is reported with the exception's type") {
  TryFixture f;
  f.plugin("throw", {{"in_thread", true}});
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.signal == SIGABRT);
  CHECK(out.error == "plugin 'throw' terminated: uncaught exception of type std::runtime_error");
}

TEST_CASE("isolated: a plugin that exhausts its memory limit says so") {
  TryFixture f;
  f.plugin("hog");
  process_limits(f.task).memory_limit = 64ull << 20;
  f.task.execution_timeout = 60s;
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  if (!dagrun::test::kSanitizerAllocator) CHECK(out.error == "memory limit of 64MiB exceeded");
  CHECK_FALSE(out.timed_out);
}

TEST_CASE("isolated: a plugin that exceeds its CPU limit is stopped with SIGXCPU") {
  TryFixture f;
  f.plugin("spin", {{"max_seconds", 30}});
  process_limits(f.task).cpu_limit = 1s;
  f.task.execution_timeout = 60s;
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "CPU limit of 1s exceeded (SIGXCPU)");
  CHECK_FALSE(out.timed_out);
}

TEST_CASE("isolated: a plugin that ignores cancellation is killed after the timeout and grace") {
  TryFixture f;
  f.plugin("spin", {{"max_seconds", 30}});
  f.task.execution_timeout = 300ms;
  FakeSink sink;
  auto out = run_isolated(f, sink);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.timed_out);
  CHECK(out.error == "timed out after 300ms");
  CHECK(out.signal == SIGKILL);
  CHECK(process_gone(sink.pids.at(0)));
}

TEST_CASE("isolated: cancellation reaches the plugin through is_cancelled") {
  TryFixture f;
  f.plugin("sleep", {{"seconds", 100}});
  FakeSink sink;
  CancelToken cancel;
  std::thread canceller;
  sink.on_started = [&](int) { canceller = std::thread([&] { cancel.cancel("run cancelled"); }); };
  PluginCatalog catalog({plugin_dir()});
  // A long grace: the plugin must stop by itself on SIGTERM, not be killed.
  ExecOptions options = test_options();
  options.kill_grace = 60s;
  auto out = make_plugin_executor(catalog, options)->run(f.request(), sink, cancel);
  canceller.join();
  CHECK(out.cancelled);
  CHECK(out.error == "cancelled: run cancelled");
  CHECK(out.exit_code == 0);  // the host reported and exited by itself
}

TEST_CASE("isolated: XCom push and pull go through the protocol") {
  TryFixture f;
  f.plugin("echo_xcom", {{"push", {{"rows", 42}, {"path", "/data/out.csv"}}},
                         {"pull", json::array({{{"task_id", "extract"}, {"key", "batch"}},
                                               {{"task_id", "extract"}, {"key", "absent"}}})},
                         {"echo_as", "batch_copy"}});
  FakeSink sink;
  sink.xcoms[{"extract", "batch"}] = R"({"id":7})";
  auto out = run_isolated(f, sink);
  REQUIRE(out.status == TryOutcome::Status::success);
  CHECK(sink.pushed.at("rows") == "42");
  CHECK(sink.pushed.at("path") == "\"/data/out.csv\"");
  CHECK(sink.pushed.at("batch_copy") == R"({"id":7})");
  auto log = f.log_text();
  CHECK(log.find(R"(pulled extract.batch = {"id":7})") != std::string::npos);
  CHECK(log.find("pulled extract.absent = (none)") != std::string::npos);
}

TEST_CASE("isolated: invalid or oversized XCom values are refused with a reason in the log") {
  TryFixture f;
  f.plugin("echo_xcom", {{"push_raw", {{"k", "{not json"}}}});
  FakeSink sink;
  auto out = run_isolated(f, sink);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "echo_xcom: xcom_push of 'k' was refused");
  CHECK(sink.pushed.empty());
  CHECK(f.log_text().find("WARN xcom_push 'k' refused: the value is not valid JSON") != std::string::npos);

  TryFixture big;
  big.plugin("echo_xcom", {{"push", {{"k", std::string(70000, 'x')}}}});
  FakeSink big_sink;
  CHECK(run_isolated(big, big_sink).status == TryOutcome::Status::failed);
  CHECK(big_sink.pushed.empty());
  CHECK(big.log_text().find("refused: the value is 70002 bytes, more than the limit of 65536") != std::string::npos);
}

TEST_CASE("isolated: the task's env is in the host's environment and the cwd is the data dir") {
  TryFixture f;
  // The host's /proc entry shows its environment and working directory while
  // it runs (posix_spawn returns only after the exec).
  f.plugin("sleep", {{"seconds", 100}});
  f.task.env = {{"DAGRUN_TEST_SECRET_NAME", "value-1"}};
  FakeSink sink;
  CancelToken cancel;
  std::string environ_text, cwd;
  std::thread inspector;
  sink.on_started = [&](int pid) {
    inspector = std::thread([&, pid] {
      // Right after the exec the kernel may still show an empty environment
      // for a moment: read until it has settled.
      for (int i = 0; i < 200 && environ_text.find("DAGRUN_TEST") == std::string::npos; ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        environ_text = read_file("/proc/" + std::to_string(pid) + "/environ");
      }
      std::error_code ec;
      cwd = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec).string();
      cancel.cancel("done looking");
    });
  };
  PluginCatalog catalog({plugin_dir()});
  run_isolated(f, sink, catalog, cancel);
  inspector.join();
  CHECK(environ_text.find(std::string("DAGRUN_TEST_SECRET_NAME=value-1") + '\0') != std::string::npos);
  CHECK(cwd == std::filesystem::canonical(f.request().data_dir).string());
}

TEST_CASE("isolated: a plugin built for another ABI is refused without retry") {
  TryFixture f;
  f.plugin("bad_abi");
  FakeSink sink;
  PluginCatalog catalog({broken_plugin_dir()});
  CancelToken cancel;
  auto out = run_isolated(f, sink, catalog, cancel);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error == "plugin 'bad_abi' (" + (broken_plugin_dir() / "dagrun_bad_abi.so").string() +
                         ") was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0");
}

TEST_CASE("isolated: an unknown plugin or a missing task host fails clearly") {
  TryFixture f;
  f.plugin("no_such_plugin");
  auto out = run_isolated(f);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error == "plugin 'no_such_plugin' not found in " + plugin_dir().string());

  f.plugin("noop");
  PluginCatalog catalog({plugin_dir()});
  ExecOptions options = test_options();
  options.task_host = f.dir.path() / "dagrun-task-host";
  FakeSink sink;
  CancelToken cancel;
  auto no_host = make_plugin_executor(catalog, options)->run(f.request(), sink, cancel);
  CHECK(no_host.status == TryOutcome::Status::failed);
  CHECK(no_host.error.find("cannot start the task host: ") == 0);
}

TEST_CASE("isolated: a host that dies without a status says so") {
  TryFixture f;
  f.plugin("noop");
  // A stand-in host that reads nothing and exits 0.
  auto fake_host = f.dir.path() / "fake-host";
  { std::ofstream(fake_host) << "#!/bin/sh\nexit 0\n"; }
  std::filesystem::permissions(fake_host, std::filesystem::perms::owner_all);
  PluginCatalog catalog({plugin_dir()});
  ExecOptions options = test_options();
  options.task_host = fake_host;
  FakeSink sink;
  CancelToken cancel;
  auto out = make_plugin_executor(catalog, options)->run(f.request(), sink, cancel);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "plugin host exited with code 0 without reporting a status");
}

TEST_CASE("isolated: a task host given by a relative path is still found") {
  TryFixture f;
  f.plugin("noop");
  PluginCatalog catalog({plugin_dir()});
  ExecOptions options = test_options();
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(build_dir());
  options.task_host = std::filesystem::relative(task_host(), build_dir());
  auto executor = make_plugin_executor(catalog, options);
  std::filesystem::current_path(previous);
  FakeSink sink;
  CancelToken cancel;
  CHECK(executor->run(f.request(), sink, cancel).status == TryOutcome::Status::success);
}
