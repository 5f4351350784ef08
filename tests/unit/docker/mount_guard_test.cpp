// The run-time half of the link rule: while a running container of the engine
// can write above a bind source, the source is not mounted; and the home's
// mount lock is exclusive between tries.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "../exec/exec_test_support.h"
#include "exec/docker/mount_guard.h"

using namespace dagrun;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json container(const std::string& state, json mounts) {
  return {{"Names", {"/dagrun-esc-plant-1234abcd-1"}},
          {"State", state},
          {"Labels", {{"dagrun.dag_id", "esc"}, {"dagrun.run_id", "manual__1"}, {"dagrun.task_id", "plant"}}},
          {"Mounts", std::move(mounts)}};
}

json bind(const std::string& source, bool rw) { return {{"Type", "bind"}, {"Source", source}, {"RW", rw}}; }

}  // namespace

TEST_CASE("a running container with a writable bind of a strict ancestor blocks the mount") {
  const json running = json::array({container("running", {bind("/h/data/esc", true)})});
  auto problem = writable_ancestor_problem(running, {"/h/data/esc/sub/x"});
  REQUIRE(problem.has_value());
  CHECK(*problem ==
        "bind mount source /h/data/esc/sub/x lies below /h/data/esc, which the running container "
        "dagrun-esc-plant-1234abcd-1 (dag 'esc', run 'manual__1', task 'plant') mounts writable: it could replace "
        "a directory on the way with a symbolic link before the daemon mounts this one; run the two tasks one "
        "after the other, or mount /h/data/esc read_only");
  // A missing RW is taken as writable.
  CHECK(writable_ancestor_problem(json::array({container("running", {{{"Type", "bind"}, {"Source", "/h/d"}}})}),
                                  {"/h/d/x"}));
}

TEST_CASE("the same directory, a sibling, a descendant, read-only or stopped containers do not block") {
  const json others = json::array({container("running", {bind("/h/data/esc", false),      // read-only
                                                         bind("/h/data/esc/x", true),    // the source itself
                                                         bind("/h/data/esc/x/in", true), // below it
                                                         bind("/h/data/es", true),       // not a component
                                                         {{"Type", "volume"}, {"Source", "/h"}, {"RW", true}}}),
                                   container("exited", {bind("/h", true)})});
  CHECK_FALSE(writable_ancestor_problem(others, {"/h/data/esc/x"}).has_value());
  CHECK(writable_ancestor_problem(json::object(), {"/x"}).has_value());  // an answer it cannot read: refused
}

TEST_CASE("the list asks for the engine's running and paused containers, in statuses every daemon knows") {
  const json f = running_engine_containers_filter();
  CHECK(f["label"] == json::array({"dagrun.managed=true"}));
  // Podman's compatible API answers 500 to a status it does not know ("restarting").
  CHECK(f["status"] == json::array({"running", "paused"}));
  // One a daemon lists as restarting anyway is still checked.
  CHECK(writable_ancestor_problem(json::array({container("restarting", {bind("/h/data/esc", true)})}),
                                  {"/h/data/esc/sub/x"}));
}

TEST_CASE("the mount lock is exclusive between tries of one home") {
  testing::TempDir dir;
  std::atomic<bool> second_holds{false};
  std::thread other;
  {
    MountLock first(dir.path());
    other = std::thread([&] {
      MountLock second(dir.path());
      second_holds = true;
    });
    // The second waits for the first; nothing here depends on how long.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(second_holds.load());
  }
  other.join();
  CHECK(second_holds.load());
}
