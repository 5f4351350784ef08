// The container try's lifecycle against a fake daemon (fake_docker_api.h):
// the order of its requests, the timeout and the cancel, stop then kill,
// removal per auto_remove and the mapping of the daemon's errors. No dockerd
// needed; container_executor_test.cpp runs the same executor against a real one.
#include <doctest/doctest.h>

#include <chrono>

#include "../exec/exec_test_support.h"
#include "policy/container_policy.h"
#include "exec/docker/container_executor.h"
#include "fake_docker_api.h"
#include "model/container_spec.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

HttpResponse daemon_error(long status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"message", message}}.dump();
  return r;
}

struct FakeTry : TryFixture {
  std::shared_ptr<FakeDaemon> daemon = std::make_shared<FakeDaemon>();
  std::shared_ptr<ContainerSpec> spec = std::make_shared<ContainerSpec>();
  ContainerPolicy policy;
  FakeSink sink;
  CancelToken cancel;

  FakeTry() {
    as_container(task).spec = spec;
    spec->image = "fake-image:1";
    spec->network_mode = "none";
    spec->docker_url = "unix:///nonexistent/fake-docker.sock";  // never dialled: the fake answers
    policy.allowed_mount_roots = {std::filesystem::canonical(dir.path())};
  }

  TryOutcome run() {
    TryRequest r = request();
    r.home = dir.path();
    return make_container_executor(policy, test_options(), fake_docker(daemon))->run(r, sink, cancel);
  }
};

}  // namespace

TEST_CASE("docker fake: attach and wait before the start, output to the log and XCom, exit 0 succeeds") {
  FakeTry t;
  t.daemon->output = {frame(1, "hello\n"), frame(2, "a warning\n"), frame(1, "result\n")};
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(out.exit_code == 0);
  CHECK(out.error.empty());
  CHECK_FALSE(t.daemon->started_before_streams);
  auto& d = *t.daemon;
  CHECK(d.at("create") < d.at("attach"));
  CHECK(d.at("attach") < d.at("start"));
  CHECK(d.at("wait") < d.at("start"));
  CHECK(d.at("start") < d.at("remove"));
  CHECK_FALSE(d.called("stop 1"));
  CHECK(d.created_name.find("dagrun-test_dag-t-") == 0);
  auto log = t.log_text();
  CHECK(log.find(" created from fake-image:1 on unix:///nonexistent/fake-docker.sock\n") != std::string::npos);
  CHECK(log.find("\nhello\na warning\nresult\n") != std::string::npos);
  CHECK(t.sink.pushed["return_value"] == "\"result\"");
  CHECK_FALSE(d.hung);
}

TEST_CASE("docker fake: a non-zero exit fails with the code and the last output, and pushes nothing") {
  FakeTry t;
  t.daemon->output = {frame(1, "working\n"), frame(2, "broke\n")};
  t.daemon->exit_code = 3;
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.exit_code == 3);
  CHECK(out.error == "exit code 3; last output: working | broke");
  CHECK(t.sink.pushed.empty());
  CHECK(t.daemon->called("remove"));  // force, the default
}

TEST_CASE("docker fake: exit 137 after the OOM killer names the memory limit") {
  FakeTry t;
  t.daemon->exit_code = 137;
  t.daemon->state = {{"OOMKilled", true}};
  t.spec->mem_limit = 64ull << 20;
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(t.daemon->called("inspect"));
  CHECK(out.error.find("out-of-memory killer") != std::string::npos);
}

TEST_CASE("docker fake: a missing image fails the create without retry and says so") {
  FakeTry t;
  t.daemon->refuse["create"] = daemon_error(404, "No such image: fake-image:1");
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't': image 'fake-image:1' not found on the Docker daemon at "
                       "unix:///nonexistent/fake-docker.sock (dagrun does not pull") == 0);
  CHECK_FALSE(t.daemon->called("start"));
  CHECK_FALSE(t.daemon->called("remove"));  // there is no container
  CHECK(t.log_text().find("not found") != std::string::npos);
}

TEST_CASE("docker fake: a refused start fails the try and removes the container") {
  FakeTry t;
  t.daemon->refuse["start"] =
      daemon_error(400, "failed to create task: OCI runtime create failed: unable to start container process: "
                        "exec: \"nope\": executable file not found in $PATH: unknown");
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("the container could not start") != std::string::npos);
  CHECK(out.error.find("executable file not found") != std::string::npos);
  CHECK(t.daemon->at("start") < t.daemon->at("remove"));
  CHECK_FALSE(t.daemon->called("stop 1"));
}

TEST_CASE("docker fake: a daemon failing at start is retryable") {
  FakeTry t;
  t.daemon->refuse["start"] = daemon_error(500, "something broke");
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error.find("failed to start the container: something broke") != std::string::npos);
  CHECK(t.daemon->called("remove"));
}

TEST_CASE("docker fake: a refused attach or wait: the container never starts") {
  for (const char* stream : {"attach", "wait"}) {
    CAPTURE(stream);
    FakeTry t;
    t.daemon->refuse[stream] = daemon_error(500, "no streams today");
    auto out = t.run();
    CHECK(out.status == TryOutcome::Status::failed);
    CHECK(out.error.find(std::string("failed to ") + (stream == std::string("attach") ? "attach to" : "wait for") +
                         " the container: no streams today") != std::string::npos);
    CHECK_FALSE(t.daemon->called("start"));
    CHECK(t.daemon->called("remove"));
  }
}

TEST_CASE("docker fake: a timeout stops the container with the kill grace and fails the try as timed out") {
  FakeTry t;
  t.daemon->runs_until_stopped = true;
  t.daemon->output = {frame(1, "still going\n")};
  // Long enough for the try to reach the start on a loaded machine.
  t.task.execution_timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  auto out = t.run();
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(3));
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.timed_out);
  CHECK(out.error.find("timed out after") == 0);
  CHECK(out.exit_code == 143);  // as the daemon reported it after the stop
  CHECK(t.daemon->called("stop 1"));  // test_options' kill grace, 300 ms, rounded up
  CHECK_FALSE(t.daemon->called("kill"));
  CHECK(t.daemon->at("stop 1") < t.daemon->at("remove"));
  CHECK(t.log_text().find("timed out, stopping the container") != std::string::npos);
  CHECK(t.log_text().find("\nstill going\n") != std::string::npos);
  CHECK_FALSE(t.daemon->hung);
}

TEST_CASE("docker fake: a stop the daemon refuses is followed by a kill") {
  FakeTry t;
  t.daemon->runs_until_stopped = true;
  t.daemon->refuse["stop"] = daemon_error(500, "cannot stop");
  t.task.execution_timeout = std::chrono::milliseconds(300);
  auto out = t.run();
  CHECK(out.timed_out);
  CHECK(out.exit_code == 137);
  CHECK(t.daemon->at("stop 1") < t.daemon->at("kill"));
  CHECK(t.daemon->at("kill") < t.daemon->at("remove"));
  CHECK(t.sink.logged("cannot stop the container"));
  CHECK_FALSE(t.daemon->hung);
}

TEST_CASE("docker fake: a cancel stops the running container and records the reason") {
  FakeTry t;
  t.daemon->runs_until_stopped = true;
  t.daemon->on_start = [&t] { t.cancel.cancel("interrupted by SIGINT"); };
  auto out = t.run();
  CHECK(out.cancelled);
  CHECK_FALSE(out.timed_out);
  CHECK(out.error == "cancelled: interrupted by SIGINT");
  CHECK(t.daemon->at("start") < t.daemon->at("stop 1"));
  CHECK(t.daemon->called("remove"));
  CHECK(t.log_text().find("cancelled, stopping the container") != std::string::npos);
  CHECK_FALSE(t.daemon->hung);  // the cancel token's fd woke the wait
}

TEST_CASE("docker fake: a run cancelled before the create makes no container") {
  FakeTry t;
  t.cancel.cancel("interrupted by SIGTERM");
  auto out = t.run();
  CHECK(out.cancelled);
  CHECK_FALSE(t.daemon->called("create"));
}

TEST_CASE("docker fake: auto_remove decides which containers go") {
  struct Case {
    AutoRemove mode;
    int exit_code;
    bool times_out;
    bool removed;
  };
  const Case cases[] = {
      {AutoRemove::force, 0, false, true},    {AutoRemove::force, 3, false, true},
      {AutoRemove::force, 0, true, true},     {AutoRemove::success, 0, false, true},
      {AutoRemove::success, 3, false, false}, {AutoRemove::success, 0, true, true},
      {AutoRemove::never, 0, false, false},   {AutoRemove::never, 3, false, false},
      {AutoRemove::never, 0, true, false},
  };
  for (const Case& c : cases) {
    CAPTURE(static_cast<int>(c.mode));
    CAPTURE(c.exit_code);
    CAPTURE(c.times_out);
    FakeTry t;
    t.spec->auto_remove = c.mode;
    t.daemon->exit_code = c.exit_code;
    t.daemon->runs_until_stopped = c.times_out;
    if (c.times_out) t.task.execution_timeout = std::chrono::milliseconds(100);
    auto out = t.run();
    CHECK(out.timed_out == c.times_out);
    CHECK((out.status == TryOutcome::Status::success) == (c.exit_code == 0 && !c.times_out));
    CHECK(t.daemon->called("remove") == c.removed);
  }
}

TEST_CASE("docker fake: a removal that fails is a warning and leaves the outcome alone") {
  FakeTry t;
  t.daemon->output = {frame(1, "done\n")};
  t.daemon->refuse["remove"] = daemon_error(500, "removal of container is already in progress");
  auto out = t.run();
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(out.error.empty());
  CHECK(t.daemon->called("remove"));
  CHECK(t.sink.logged("cannot remove container c0ffee012345: "));
  CHECK(t.log_text().find("WARN cannot remove container c0ffee012345") != std::string::npos);
  CHECK(t.sink.pushed["return_value"] == "\"done\"");
}
