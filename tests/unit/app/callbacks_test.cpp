// Callbacks through a real engine on a real home (docs/callbacks.md): what a
// run records for each event, what the dispatcher sends and records, the
// retries of an action that fails, a recovered try's callback, and a webhook
// to a local HTTP server.
#include "app/engine.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app_test_support.h"
#include "base/unique_fd.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::app_test;

namespace {

Dag load(const std::string& text) {
  LoadResult r = load_dag_text(text, "cb.json", LoadOptions{});
  REQUIRE_MESSAGE(r.ok(), (r.diagnostics.empty() ? "" : r.diagnostics.front().to_string()));
  return std::move(*r.dag);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// "event task try state" per callback, in the order they were recorded.
std::vector<std::string> recorded(Store& store, const std::string& run_id) {
  std::vector<std::string> out;
  for (const CallbackRecord& c : store.list_callbacks(run_id))
    out.push_back(c.event + " " + (c.task_id.empty() ? "-" : c.task_id) + " " + std::to_string(c.try_number) + " " +
                  c.state);
  return out;
}

// A command action that appends "<event> <task> <try> <state from the JSON>" to
// file, and says which event it is to its log.
std::string append_to(const std::filesystem::path& file) {
  return R"({"command": ["sh", "-c", "echo to the log: $DAGRUN_CALLBACK_EVENT; echo \"$DAGRUN_CALLBACK_EVENT $DAGRUN_TASK_ID $DAGRUN_TRY_NUMBER )"
         R"($(printf %s \"$DAGRUN_CALLBACK_JSON\" | sed -n 's/.*\"state\":\"\\([a-z_]*\\)\".*/\\1/p')\" >> )" +
         file.string() + R"("]})";
}

// One HTTP/1.1 server on 127.0.0.1 that answers `status` to each request and
// keeps the bodies it got.
class HookServer {
 public:
  explicit HookServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_.get(), 8) == 0);
    thread_ = std::jthread([this] { serve(); });
  }
  ~HookServer() {
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_ = {};
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> bodies() {
    std::lock_guard l(mu_);
    return bodies_;
  }

 private:
  void serve() {
    for (size_t n = 0;; ++n) {
      UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      std::string in;
      char buf[4096];
      size_t want = std::string::npos;
      while (want == std::string::npos || in.size() < want) {
        const ssize_t got = ::read(c.get(), buf, sizeof buf);
        if (got <= 0) break;
        in.append(buf, static_cast<size_t>(got));
        const size_t head = in.find("\r\n\r\n");
        if (head != std::string::npos && want == std::string::npos) {
          const size_t cl = in.find("Content-Length: ");
          want = head + 4 + (cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16)));
        }
      }
      {
        std::lock_guard l(mu_);
        bodies_.push_back(in.substr(in.find("\r\n\r\n") + 4));
      }
      const int status = statuses_[std::min(n, statuses_.size() - 1)];
      const std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno";
      [[maybe_unused]] ssize_t w = ::write(c.get(), out.data(), out.size());
    }
  }

  std::vector<int> statuses_;
  UniqueFd fd_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::jthread thread_;
};

}  // namespace

TEST_CASE("callbacks: each event of a run is recorded once and its command sent before the engine exits") {
  TempDir home;
  const auto out = home / "events.txt";
  const Dag dag = load(R"({"dag_id": "cb",
    "on_failure": )" + append_to(out) + R"(,
    "on_success": )" + append_to(out) + R"(,
    "default_args": {"retry_delay": "0s", "on_retry": )" + append_to(out) + R"(,
                     "on_failure": )" + append_to(out) + R"(, "on_success": )" + append_to(out) + R"(},
    "tasks": [
      {"task_id": "flaky", "command": ["sh", "-c", "test $DAGRUN_TRY_NUMBER -ge 2"], "retries": 2},
      {"task_id": "broken", "command": ["false"], "retries": 1},
      {"task_id": "never", "command": ["true"], "upstream": ["broken"]}]})");
  std::string run_id;
  {
    app::Engine engine(settings_on(home), PluginCatalog(), {loaded(dag)});
    RunRequest request = engine.request(dag);
    request.run_id = run_id = "manual__cb";
    CHECK(engine.run(request, {}).state == RunState::failed);
    engine.finish_callbacks();
    // upstream_failed tasks never ran: no event; each action once.
    std::vector<std::string> got = recorded(engine.store(), run_id);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"failure - 0 sent", "failure broken 2 sent", "retry broken 1 sent",
                                          "retry flaky 1 sent", "success flaky 2 sent"});
  }
  std::vector<std::string> sent = lines_of(out);
  std::sort(sent.begin(), sent.end());
  CHECK(sent == std::vector<std::string>{"failure  0 failed", "failure broken 2 failed", "retry broken 1 failed",
                                         "retry flaky 1 failed", "success flaky 2 success"});
  // Each command wrote its log beside the run's tries.
  CHECK(read_file(home / "logs/cb/manual__cb/callbacks/broken.2.failure.0.log") == "to the log: failure\n");
  CHECK(read_file(home / "logs/cb/manual__cb/callbacks/run.0.failure.0.log") == "to the log: failure\n");
  CHECK(read_file(home / "logs/cb/manual__cb/callbacks/flaky.1.retry.0.log") == "to the log: retry\n");
}

TEST_CASE("callbacks: an action that fails is tried again later, then given up with why") {
  TempDir home;
  const Dag dag = load(R"({"dag_id": "cb", "on_failure": {"command": ["sh", "-c", "echo nope >&2; exit 3"]},
    "tasks": [{"task_id": "t", "command": ["false"]}]})");
  app::Engine engine(settings_on(home), PluginCatalog(), {loaded(dag)});
  RunRequest request = engine.request(dag);
  request.run_id = "r";
  engine.run(request, {});
  engine.finish_callbacks(std::chrono::seconds(20));
  const auto c = engine.store().list_callbacks("r");
  REQUIRE(c.size() == 1);
  CHECK(c[0].state == "pending");  // the next attempt waits ten seconds
  CHECK(c[0].attempts == 1);
  CHECK(c[0].error.find("exit") != std::string::npos);
  CHECK(c[0].next_at > std::chrono::system_clock::now());
}

TEST_CASE("callbacks: a webhook posts the event as JSON, a Slack message as it is, and an error status is retried") {
  TempDir home;
  HookServer hook({500, 200});
  const Dag dag = load(R"({"dag_id": "cb", "tasks": [{"task_id": "t", "command": ["sh", "-c", "echo last words; exit 4"],
    "on_failure": {"webhook": ")" + hook.url() + R"(", "timeout": "5s"}}]})");
  app::Engine engine(settings_on(home), PluginCatalog(), {loaded(dag)});
  RunRequest request = engine.request(dag);
  request.run_id = "r";
  engine.run(request, {});
  engine.finish_callbacks(std::chrono::seconds(5));
  auto c = engine.store().list_callbacks("r");
  REQUIRE(c.size() == 1);
  CHECK(c[0].state == "pending");
  CHECK(c[0].error == "HTTP 500: no");
  REQUIRE(hook.bodies().size() == 1);
  const auto body = nlohmann::json::parse(hook.bodies()[0]);
  CHECK(body["event"] == "failure");
  CHECK(body["dag_id"] == "cb");
  CHECK(body["run_id"] == "r");
  CHECK(body["task_id"] == "t");
  CHECK(body["try_number"] == 1);
  CHECK(body["state"] == "failed");
  CHECK(body["exit_code"] == 4);
  CHECK(body["log_tail"].get<std::string>().find("last words") != std::string::npos);
  CHECK(body["text"].get<std::string>().rfind("dagrun: task 't' (try 1) of run 'r' of DAG 'cb' failed", 0) == 0);
}

TEST_CASE("callbacks: a try charged by recovery is an event, recorded with the charge and sent by the next engine") {
  TempDir home;
  const auto out = home / "events.txt";
  const Dag dag = load(R"({"dag_id": "etl", "tasks": [
    {"task_id": "load", "command": ["true"], "retries": 1, "on_retry": )" + append_to(out) + R"(},
    {"task_id": "extract", "command": ["true"], "on_failure": )" + append_to(out) + R"(}]})");
  {
    auto store = open_sqlite_store((home / "dagrun.db").string());
    RunRecord run = store_test::make_run("r1", "etl", store_test::at("2026-11-29T01:00:00Z"));
    run.state = RunState::running;
    run.owner = "elsewhere:4242:1";  // dead: never registered
    store->create_run(run, {store_test::make_task("r1", "load", TaskState::running, 1, 2),
                            store_test::make_task("r1", "extract", TaskState::running, 1, 1)});
    for (const char* t : {"load", "extract"}) {
      TryRecord attempt;
      attempt.run_id = "r1";
      attempt.task_id = t;
      attempt.try_number = 1;
      attempt.state = TaskState::running;
      store->apply({attempt});
    }
  }
  app::Engine engine(settings_on(home), PluginCatalog(), {loaded(dag)});
  CHECK(engine.recovered_at_start() == 1);
  engine.finish_callbacks(std::chrono::seconds(20));
  std::vector<std::string> got = recorded(engine.store(), "r1");
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"failure extract 1 sent", "retry load 1 sent"});
  std::vector<std::string> sent = lines_of(out);
  std::sort(sent.begin(), sent.end());
  CHECK(sent == std::vector<std::string>{"failure extract 1 failed", "retry load 1 failed"});
}

TEST_CASE("callbacks: a run not done by its DAG's deadline sets off on_deadline once, running or ended late") {
  TempDir home;
  const auto out = home / "events.txt";
  const Dag dag = load(R"({"dag_id": "late", "deadline": {"from": "queued_at", "after": "200ms"},
    "on_deadline": )" + append_to(out) + R"(,
    "tasks": [{"task_id": "slow", "command": ["sleep", "0.6"]}]})");
  {
    // Queued long ago and never started: a dispatcher finds it past its deadline.
    auto store = open_sqlite_store((home / "dagrun.db").string());
    store->create_run(store_test::make_run("waiting", "late", store_test::at("2026-11-29T01:00:00Z")), {});
  }
  app::Engine engine(settings_on(home), PluginCatalog(), {loaded(dag)});
  // Ended late: the run records it as it ends, if no look saw it running past it.
  RunRequest request = engine.request(dag);
  request.run_id = "slow_run";
  CHECK(engine.run(request, {}).state == RunState::success);
  engine.finish_callbacks(std::chrono::seconds(20));
  for (int i = 0; i < 200 && recorded(engine.store(), "waiting") != std::vector<std::string>{"deadline - 0 sent"}; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(recorded(engine.store(), "waiting") == std::vector<std::string>{"deadline - 0 sent"});
  CHECK(recorded(engine.store(), "slow_run") == std::vector<std::string>{"deadline - 0 sent"});
  engine.finish_callbacks(std::chrono::seconds(5));
  const std::vector<std::string> sent = lines_of(out);
  CHECK(sent.size() == 2);
  for (const std::string& line : sent) CHECK(line.rfind("deadline  0 ", 0) == 0);
}
