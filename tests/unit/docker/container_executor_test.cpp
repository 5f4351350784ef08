// The container executor against the real Docker daemon (skipped loudly
// without one, failed under CI=true). Each test's containers carry a DAG id
// unique to the test process and are removed by the fixture.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "docker_test_support.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("docker: output reaches the try log and the exit code decides the state") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  FakeSink sink;
  auto ok = f.run({"sh", "-c", "echo to-stdout; echo to-stderr >&2"}, &sink);
  CHECK(ok.status == TryOutcome::Status::success);
  CHECK(ok.exit_code == 0);
  CHECK(ok.error.empty());
  auto log = f.log_text();
  CHECK(log.find("to-stdout\n") != std::string::npos);
  CHECK(log.find("to-stderr\n") != std::string::npos);
  // The first line names the container, its image and the daemon.
  CHECK(log.find(" INFO container ") != std::string::npos);
  CHECK(log.find(" created from dagrun-test-busybox:latest on unix:///var/run/docker.sock\n") != std::string::npos);
  CHECK(log.find(" INFO container ") < log.find("to-stdout"));

  auto failed = f.run({"sh", "-c", "echo one; echo two >&2; echo three; exit 3"}, nullptr, nullptr, 2);
  CHECK(failed.status == TryOutcome::Status::failed);
  CHECK(failed.exit_code == 3);
  CHECK(failed.error.find("exit code 3; last output: ") == 0);
  CHECK(failed.error.find("three") != std::string::npos);
}

TEST_CASE("docker: the first line of a fast container is never lost") {
  REQUIRE_DOCKER();
  // Four at a time, as a DAG with parallel container tasks would run them.
  constexpr int kThreads = 4, kEach = 5;
  std::vector<std::unique_ptr<ContainerFixture>> fixtures;
  for (int i = 0; i < kThreads; ++i) {
    fixtures.push_back(std::make_unique<ContainerFixture>());
    fixtures.back()->spec->command = {"sh", "-c", "echo first; echo second"};
    fixtures.back()->spec->auto_remove = AutoRemove::force;
  }
  auto executor = make_container_executor(ContainerPolicy{}, test_options());
  std::vector<std::string> problems[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kEach; ++i) {
        FakeSink sink;
        CancelToken cancel;
        TryRequest request = fixtures[t]->container_request(i);
        request.log_path = fixtures[t]->dir.path() / ("try" + std::to_string(i) + ".log");
        auto out = executor->run(request, sink, cancel);
        std::string log = read_file(request.log_path);
        if (out.status != TryOutcome::Status::success) problems[t].push_back("failed: " + out.error);
        if (log.find("\nfirst\nsecond\n") == std::string::npos) problems[t].push_back("log: " + log);
        if (sink.pushed["return_value"] != "\"second\"") problems[t].push_back("xcom: " + sink.pushed["return_value"]);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& p : problems) CHECK_MESSAGE(p.empty(), (p.empty() ? "" : p.front()));
  for (auto& fx : fixtures) CHECK(containers_of(fx->dag.dag_id).empty());
}

TEST_CASE("docker: many lines, and lines longer than a frame, arrive whole and in order") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  auto out = f.run({"sh", "-c",
                    "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done; "
                    "head -c 100000 /dev/zero | tr '\\0' x; echo; printf 'no newline at the end'"});
  CHECK(out.status == TryOutcome::Status::success);
  auto log = f.log_text();
  CHECK(count(log, "\nline-") == 3000);
  CHECK(log.find("\nline-0\nline-1\n") != std::string::npos);
  CHECK(log.find("line-2999\n" + std::string(100000, 'x') + "\nno newline at the end\n") != std::string::npos);
}

TEST_CASE("docker: XCom gets the last stdout line, or every line with xcom_all, and never stderr") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  FakeSink last;
  f.run({"sh", "-c", "echo one; echo two; echo on-stderr >&2"}, &last);
  CHECK(last.pushed["return_value"] == "\"two\"");

  f.spec->xcom_all = true;
  FakeSink all;
  f.run({"sh", "-c", "echo one; echo err >&2; echo 'two \"quoted\"'"}, &all, nullptr, 2);
  CHECK(all.pushed["return_value"] == R"(["one","two \"quoted\""])");

  FakeSink none;
  f.run({"sh", "-c", "echo only-stderr >&2"}, &none, nullptr, 3);
  CHECK(none.pushed.empty());
}

TEST_CASE("docker: environment, env_file and the try's variables reach the container") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  std::ofstream(f.home() / "task.env") << "# settings\nFROM_FILE=file value\nOVERRIDDEN=from file\nPATH\n";
  f.spec->env_file = "task.env";  // relative to the home
  f.spec->environment = {{"FROM_SPEC", "spec value"}, {"OVERRIDDEN", "from spec"}};
  f.task.env = {{"DAGRUN_TASK_ID", "t"}};
  auto out = f.run({"sh", "-c",
                    "echo \"file=$FROM_FILE spec=$FROM_SPEC over=$OVERRIDDEN task=$DAGRUN_TASK_ID "
                    "tmp=$DAGRUN_TMP_DIR\"; test -n \"$PATH\"; test \"$FROM_FILE\" = 'file value' && echo file-ok"});
  CHECK(out.status == TryOutcome::Status::success);
  // The env file's values are secrets to the log: masked there, intact in the container.
  CHECK(f.log_text().find("file=*** spec=spec value over=from spec task=t tmp=/tmp/dagrun\n") != std::string::npos);
  CHECK(f.log_text().find("file-ok\n") != std::string::npos);
  CHECK(f.log_text().find("file value") == std::string::npos);
}

TEST_CASE("docker: secrets of the environment reach no log line and no stored error") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  std::ofstream(f.home() / "task.env") << "WEBHOOK=https://hooks.example/T0/B0/xyzzy-secret\n";
  f.spec->env_file = "task.env";
  f.spec->environment = {{"API_TOKEN", "tok-0123456789"}, {"GREETING", "hello world"}};
  auto out = f.run({"sh", "-c", "echo $WEBHOOK; echo $API_TOKEN $GREETING >&2; exit 4"});
  CHECK(out.status == TryOutcome::Status::failed);
  for (const std::string& text : {out.error, f.log_text()}) {
    CHECK(text.find("xyzzy-secret") == std::string::npos);
    CHECK(text.find("tok-0123456789") == std::string::npos);
    CHECK(text.find("*** hello world") != std::string::npos);
  }
}

TEST_CASE("docker: a bad env file line fails the try without its content") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  std::ofstream(f.home() / "task.env") << "OK=1\nsk-live-4242 pasted alone\n";
  f.spec->env_file = "task.env";
  auto out = f.run({"true"});
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task.env:2: ") != std::string::npos);
  CHECK(out.error.find("sk-live") == std::string::npos);
  CHECK(f.log_text().find("sk-live") == std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: a bind source through a link planted in a root is refused, the approved path is mounted") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  std::filesystem::create_directories(f.home() / "in" / "sub" / "deeper");
  std::ofstream(f.home() / "in" / "sub" / "x") << "inside\n";
  // Allowed, and sent as the path the check walked.
  f.spec->mounts = {{"in/sub/deeper/../x", "/x", MountType::bind, true}};
  auto out = f.run({"cat", "/x"});
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(f.log_text().find("inside\n") != std::string::npos);
  // The issue's pair: l2/.. is sub to the kernel, "in/x" lexically, and in/x leads to /.
  std::filesystem::create_directory_symlink("sub/deeper", f.home() / "in" / "l2");
  std::filesystem::create_directory_symlink("/", f.home() / "in" / "x");
  f.spec->mounts = {{"in/l2/../x", "/host", MountType::bind, false}};
  FakeSink sink;
  out = f.run({"ls", "/host"}, &sink, nullptr, 2);
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  const auto link = std::filesystem::canonical(f.home()) / "in" / "l2";
  CHECK(out.error.find("runs through the symbolic link " + link.string()) != std::string::npos);
}

TEST_CASE("docker: the data directory is writable at tmp_dir, a read-only bind mount is not writable") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  std::filesystem::create_directories(f.home() / "ro");
  std::ofstream(f.home() / "ro" / "input.txt") << "input\n";
  f.spec->mounts = {{"ro", "/in", MountType::bind, true}};
  auto out = f.run({"sh", "-c",
                    "cat /in/input.txt; echo written > /tmp/dagrun/out.txt; "
                    "if echo x > /in/new.txt; then echo WROTE; else echo refused; fi"});
  CHECK(out.status == TryOutcome::Status::success);
  auto log = f.log_text();
  CHECK(log.find("input\n") != std::string::npos);
  CHECK(log.find("refused\n") != std::string::npos);
  CHECK(log.find("WROTE") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.home() / "ro" / "new.txt"));
  CHECK(read_file(f.container_request().data_dir / "out.txt") == "written\n");
}

TEST_CASE("docker: the data directory is writable by a container user that does not own it") {
  // The image's user is not the engine's: the news image runs as uid 10001.
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  f.spec->user = "10001:10001";
  auto out = f.run({"sh", "-c", "echo written > /tmp/dagrun/out.txt"});
  CHECK(out.status == TryOutcome::Status::success);
  const auto dir = f.container_request().data_dir;
  CHECK(read_file(dir / "out.txt") == "written\n");
  const auto perms = std::filesystem::status(dir).permissions();
  CHECK((perms & std::filesystem::perms::sticky_bit) != std::filesystem::perms::none);
}

TEST_CASE("docker: a timeout stops the container and leaves none behind") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::success;
  f.task.execution_timeout = std::chrono::seconds(2);
  auto out = f.run({"sh", "-c", "echo started; sleep 60"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.timed_out);
  CHECK(out.error == "timed out after 2s");
  auto log = f.log_text();
  CHECK(log.find("started\n") != std::string::npos);
  CHECK(log.find("timed out, stopping the container") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: auto_remove never keeps, success removes after a success, force always removes") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  auto states = [&] { return containers_of(f.dag.dag_id).size(); };

  f.spec->auto_remove = AutoRemove::never;
  CHECK(f.run({"true"}, nullptr, nullptr, 1).status == TryOutcome::Status::success);
  CHECK(states() == 1);

  f.spec->auto_remove = AutoRemove::success;
  CHECK(f.run({"true"}, nullptr, nullptr, 2).status == TryOutcome::Status::success);
  CHECK(states() == 1);
  CHECK(f.run({"false"}, nullptr, nullptr, 3).status == TryOutcome::Status::failed);
  CHECK(states() == 2);

  f.spec->auto_remove = AutoRemove::force;
  CHECK(f.run({"false"}, nullptr, nullptr, 4).status == TryOutcome::Status::failed);
  CHECK(states() == 2);
  // The ones kept are the never and the failed success.
  std::vector<std::string> tries;
  for (auto& c : containers_of(f.dag.dag_id)) tries.push_back(c["Labels"]["dagrun.try_number"]);
  std::sort(tries.begin(), tries.end());
  CHECK(tries == std::vector<std::string>{"1", "3"});
}

TEST_CASE("docker: an exit code listed in skip_on_exit_code skips the task") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  f.spec->skip_on_exit_code = {42};
  auto out = f.run({"sh", "-c", "exit 42"});
  CHECK(out.status == TryOutcome::Status::skipped);
  CHECK(out.exit_code == 42);
  auto other = f.run({"sh", "-c", "exit 43"}, nullptr, nullptr, 2);
  CHECK(other.status == TryOutcome::Status::failed);
}

TEST_CASE("docker: cancelling a running container stops and removes it") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::success;
  f.spec->command = {"sh", "-c", "echo running; sleep 60"};
  CancelToken cancel;
  FakeSink sink;
  std::thread canceller([&] {
    // Cancel once the container has written its first line.
    for (int i = 0; i < 1000 && f.log_text().find("running\n") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cancel.cancel("interrupted by SIGINT");
  });
  auto executor = make_container_executor(f.policy, test_options());
  auto out = executor->run(f.container_request(), sink, cancel);
  canceller.join();
  CHECK(out.cancelled);
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "cancelled: interrupted by SIGINT");
  CHECK(f.log_text().find("cancelled, stopping the container") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: a missing image fails without retry and names the daemon") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->image = "dagrun-no-such-image:never";
  auto out = f.run({"true"});
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error == "task 't': image 'dagrun-no-such-image:never' not found on the Docker daemon at "
                     "unix:///var/run/docker.sock (dagrun does not pull: build or load the image there)");
  CHECK(f.log_text().find("ERROR image 'dagrun-no-such-image:never' not found") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: a bind source that does not exist fails without retry and explains why") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  const std::string missing = (std::filesystem::canonical(f.home()) / "not-there" / "source").string();
  f.spec->mounts = {{missing, "/data", MountType::bind, false}};
  auto out = f.run({"true"});
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("task 't': bind source path " + missing + " does not exist on the host of "
                       "the Docker daemon at unix:///var/run/docker.sock") == 0);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: the policy is checked again just before the create") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  // Allowed when the DAG was loaded; since then the source became a link to /etc.
  std::filesystem::create_directories(f.home() / "inbox");
  f.spec->mounts = {{"inbox", "/in", MountType::bind, true}};
  std::filesystem::remove(f.home() / "inbox");
  std::filesystem::create_directory_symlink("/etc", f.home() / "inbox");
  auto out = f.run({"cat", "/in/shadow"});
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("refused by the container policy at run time") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: a command missing from the image fails without retry") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  auto out = f.run({"no-such-command"});
  CHECK(out.status == TryOutcome::Status::failed_no_retry);
  CHECK(out.error.find("the container could not start") != std::string::npos);
  CHECK(out.error.find("no-such-command") != std::string::npos);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: an unreachable daemon fails with retry") {
  ContainerFixture f;
  f.spec->docker_url = "unix://" + (f.home() / "no-docker.sock").string();
  auto out = f.run({"true"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "task 't': cannot reach the Docker daemon at unix://" + (f.home() / "no-docker.sock").string() +
                         ": no socket at " + (f.home() / "no-docker.sock").string() + " (is dockerd running?)");
}

TEST_CASE("docker: a container killed at its memory limit says so") {
  REQUIRE_DOCKER();
  ContainerFixture f;
  f.spec->auto_remove = AutoRemove::force;
  f.spec->mem_limit = 16ull << 20;
  auto out = f.run({"sh", "-c", "echo filling; x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.exit_code == 137);
  CHECK(out.error.find("exit code 137 (killed by the out-of-memory killer at the memory limit of 16MiB)") == 0);
  CHECK(containers_of(f.dag.dag_id).empty());
}

TEST_CASE("docker: with network_mode none the container has loopback and nothing else") {
  REQUIRE_DOCKER();
  ContainerFixture f;  // network_mode none
  f.spec->auto_remove = AutoRemove::force;
  auto out = f.run({"sh", "-c",
                    "ls /sys/class/net; (nc -l -p 8080 -e echo over-loopback &); sleep 0.3; "
                    "nc 127.0.0.1 8080 </dev/null"});
  CHECK_MESSAGE(out.status == TryOutcome::Status::success, out.error);
  auto log = f.log_text();
  CHECK(log.find("\nlo\nover-loopback\n") != std::string::npos);
}
