#include <doctest/doctest.h>

#include <string>

#include "../exec/exec_test_support.h"
#include "exec/docker/container_outcome.h"
#include "exec/docker/container_output.h"
#include "exec/outcome.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

std::string frame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  f[7] = static_cast<char>(payload.size());  // payloads here are shorter than 256 bytes
  return f + std::string(payload);
}

}  // namespace

TEST_CASE("exit code 0 is success, a listed code is skipped, any other fails with the last output") {
  ContainerSpec spec;
  spec.skip_on_exit_code = {99, 100};
  auto ok = exit_code_outcome(0, spec, {"whatever"});
  CHECK(ok.status == TryOutcome::Status::success);
  CHECK(ok.exit_code == 0);
  CHECK(ok.error.empty());

  auto skipped = exit_code_outcome(100, spec, {});
  CHECK(skipped.status == TryOutcome::Status::skipped);
  CHECK(skipped.exit_code == 100);
  CHECK(skipped.error == "exit code 100 is listed in skip_on_exit_code");

  auto failed = exit_code_outcome(3, spec, {"a", "b", "c"});
  CHECK(failed.status == TryOutcome::Status::failed);
  CHECK(failed.exit_code == 3);
  CHECK(failed.error == "exit code 3; last output: a | b | c");
  CHECK(exit_code_outcome(3, spec, {}).error == "exit code 3");
}

TEST_CASE("an out-of-memory kill names the memory limit") {
  auto out = exit_code_outcome(137, ContainerSpec{}, {"allocating"}, 64ull << 20);
  CHECK(out.error ==
        "exit code 137 (killed by the out-of-memory killer at the memory limit of 64MiB); last output: allocating");
}

TEST_CASE("auto_remove decides which containers go") {
  TryOutcome success;
  success.status = TryOutcome::Status::success;
  TryOutcome failed = failed_outcome("exit code 1");
  TryOutcome skipped;
  skipped.status = TryOutcome::Status::skipped;
  TryOutcome timed_out = timed_out_outcome(std::chrono::seconds(1));
  TryOutcome cancelled = cancelled_outcome("interrupted");

  for (auto& o : {success, failed, skipped, timed_out, cancelled}) {
    CHECK_FALSE(should_remove(AutoRemove::never, o));
    CHECK(should_remove(AutoRemove::force, o));
  }
  CHECK(should_remove(AutoRemove::success, success));
  CHECK_FALSE(should_remove(AutoRemove::success, failed));
  CHECK_FALSE(should_remove(AutoRemove::success, skipped));
  CHECK(should_remove(AutoRemove::success, timed_out));
  CHECK(should_remove(AutoRemove::success, cancelled));
}

TEST_CASE("the stop grace is the kill grace rounded up to seconds") {
  CHECK(stop_grace_seconds(std::chrono::milliseconds(0)) == 0);
  CHECK(stop_grace_seconds(std::chrono::milliseconds(300)) == 1);
  CHECK(stop_grace_seconds(std::chrono::milliseconds(5000)) == 5);
  CHECK(stop_grace_seconds(std::chrono::milliseconds(5001)) == 6);
}

TEST_CASE("container output: both streams in the log, only stdout in XCom, the tail of either") {
  TempDir dir;
  TryLog log(dir.path() / "t.log");
  ContainerOutput out(log, false);
  out.feed(frame(1, "first\nsec"));
  out.feed(frame(2, "warning\n") + frame(1, "ond\r\n"));
  out.feed(frame(2, "last stderr, no newline"));
  out.finish();
  CHECK(read_file(dir.path() / "t.log") == "first\nwarning\nsecond\r\nlast stderr, no newline\n");
  CHECK(out.xcom_value() == std::optional<std::string>("\"second\""));
  REQUIRE(out.tail().size() == 3);
  CHECK(out.tail()[0] == "warning");
  CHECK(out.tail()[2] == "last stderr, no newline");
}

TEST_CASE("container output: xcom_all pushes every stdout line as a JSON array") {
  TempDir dir;
  TryLog log(dir.path() / "t.log");
  ContainerOutput out(log, true);
  out.feed(frame(1, "a\n\"quoted\"\n") + frame(2, "not me\n") + frame(1, "\xff\n"));
  out.finish();
  CHECK(out.xcom_value() == std::optional<std::string>(R"(["a","\"quoted\"","�"])"));
}

TEST_CASE("container output: nothing on stdout means no XCom value") {
  TempDir dir;
  TryLog log(dir.path() / "t.log");
  ContainerOutput out(log, false);
  out.feed(frame(2, "only stderr\n"));
  out.finish();
  CHECK_FALSE(out.xcom_value());
  CHECK(out.tail().size() == 1);
}
