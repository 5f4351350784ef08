#include <doctest/doctest.h>

#include "docker_test_support.h"
#include "exec/docker/create_body.h"
#include "exec/docker/engine_identity.h"
#include "exec/docker/leftovers.h"
#include "base/process.h"

using namespace dagrun;
using namespace dagrun::testing;
using nlohmann::json;

namespace {

json listed(const EngineIdentity& engine, const std::string& state, const std::string& auto_remove = "never") {
  return {{"Id", "abc"},
          {"State", state},
          {"Labels",
           {{"dagrun.managed", "true"},
            {"dagrun.engine_host", engine.host},
            {"dagrun.engine_pid", std::to_string(engine.pid)},
            {"dagrun.engine_start", std::to_string(engine.start)},
            {"dagrun.auto_remove", auto_remove}}}};
}

// A pid that is certainly gone: a child that ran and was reaped.
pid_t dead_pid() {
  SpawnSpec spec;
  spec.argv = {"true"};
  Child child = spawn_process(spec);
  pid_t pid = child.pid();
  child.reap();
  return pid;
}

EngineIdentity gone_engine() {
  EngineIdentity e = current_engine();
  e.start += 1;  // this pid, started at another time: a reused pid
  return e;
}

}  // namespace

TEST_CASE("this engine's identity: its host, pid and start time") {
  CHECK(process_start_time(::getpid()) == current_engine().start);
  CHECK(current_engine().start > 0);
  CHECK_FALSE(current_engine().host.empty());
}

TEST_CASE("a container of a live engine, or of another host, is never a leftover") {
  CHECK_FALSE(is_leftover(listed(current_engine(), "running"), std::nullopt));
  EngineIdentity elsewhere = gone_engine();
  elsewhere.host = "another-host";
  CHECK_FALSE(is_leftover(listed(elsewhere, "running"), std::nullopt));
  json unmanaged = listed(gone_engine(), "running");
  unmanaged["Labels"].erase("dagrun.managed");
  CHECK_FALSE(is_leftover(unmanaged, std::nullopt));
}

TEST_CASE("a container of a gone engine is a leftover unless it may have been kept on purpose") {
  EngineIdentity gone = gone_engine();
  EngineIdentity dead = current_engine();
  dead.pid = dead_pid();
  for (const char* state : {"created", "running", "paused", "restarting"}) {
    CHECK(is_leftover(listed(gone, state), std::nullopt));
    CHECK(is_leftover(listed(dead, state), std::nullopt));
  }
  CHECK_FALSE(is_leftover(listed(gone, "removing"), std::nullopt));
  // Exited: force would have removed it; success only after exit code 0.
  CHECK(is_leftover(listed(gone, "exited", "force"), 1));
  CHECK(is_leftover(listed(gone, "exited", "success"), 0));
  CHECK_FALSE(is_leftover(listed(gone, "exited", "success"), 1));
  CHECK_FALSE(is_leftover(listed(gone, "exited", "never"), 0));
}

TEST_CASE("docker: remove_leftovers removes containers of gone engines and keeps the live one's") {
  REQUIRE_DOCKER();
  std::string dag_id = unique_dag_id();
  RemoveContainersOf cleanup{dag_id};
  HttpSession session(local_endpoint());
  DockerClient client(session);
  auto create = [&](const EngineIdentity& engine, const std::string& task, int try_number) {
    json labels = {{label::managed, "true"},          {label::dag_id, dag_id},
                   {label::run_id, "manual__r1"},      {label::task_id, task},
                   {label::try_number, std::to_string(try_number)},
                   {label::auto_remove, "never"},     {label::engine_host, engine.host},
                   {label::engine_pid, std::to_string(engine.pid)},
                   {label::engine_start, std::to_string(engine.start)}};
    json body = {{"Image", kTestImage},
                 {"Cmd", {"true"}},
                 {"Labels", labels},
                 {"HostConfig", {{"NetworkMode", "none"}}}};
    return client.create(dag_id + "-" + task, body.dump());
  };
  EngineIdentity dead = current_engine();
  dead.pid = dead_pid();
  std::string dead_id = create(dead, "dead_pid", 2);
  std::string reused_id = create(gone_engine(), "reused_pid", 1);
  std::string live_id = create(current_engine(), "live", 1);

  auto found = remove_leftovers(local_endpoint(), {"dagrun.dag_id=" + dag_id});
  REQUIRE(found.size() == 2);
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.task_id < b.task_id; });
  CHECK(found[0].container_id == dead_id);
  CHECK(found[0].dag_id == dag_id);
  CHECK(found[0].run_id == "manual__r1");
  CHECK(found[0].task_id == "dead_pid");
  CHECK(found[0].try_number == 2);
  CHECK(found[1].container_id == reused_id);
  CHECK(found[1].task_id == "reused_pid");

  auto left = containers_of(dag_id);
  REQUIRE(left.size() == 1);
  CHECK(left[0]["Id"] == live_id);
}
