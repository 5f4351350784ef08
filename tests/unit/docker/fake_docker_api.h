// A Docker daemon in memory, behind the DockerApi a container try talks to,
// so the try's lifecycle is tested without a dockerd. FakeDaemon plays one
// container from a script (its output frames, its exit code, whether it runs
// until it is stopped, which requests the daemon refuses) and records every
// request the try makes, in order. The try owns the FakeDockerApi; the test
// keeps the FakeDaemon to read the record afterwards.
#pragma once

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/docker/docker_api.h"
#include "exec/docker/docker_errors.h"

namespace dagrun::testing {

// One frame of the attach stream: [stream, 0, 0, 0, size big-endian] + payload.
inline std::string frame(int stream, const std::string& payload) {
  auto n = static_cast<std::uint32_t>(payload.size());
  std::string f{static_cast<char>(stream), 0, 0, 0, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                static_cast<char>(n >> 8), static_cast<char>(n)};
  return f + payload;
}

struct FakeStreamState {
  bool begun = false;
  bool headers = false;
  bool done = false;
  HttpResponse response;
  BodySink sink;
};

struct FakeDaemon {
  // The script.
  std::vector<std::string> output;  // attach frames, sent once the container runs
  int exit_code = 0;
  bool runs_until_stopped = false;  // else it exits as soon as it has started
  // Error answers by request: create, attach, wait, start, stop, kill, remove,
  // inspect, list. attach and wait answer theirs instead of their headers.
  std::map<std::string, HttpResponse> refuse;
  nlohmann::json state = nlohmann::json::object();  // inspect's "State"
  std::function<void()> on_start;                   // after a start the daemon accepted

  // The record.
  std::vector<std::string> calls;  // "create", "attach", "wait", "start", "stop 1", "kill", "remove", ...
  std::string created_name;
  bool started_before_streams = false;  // start came before attach and wait were registered
  bool hung = false;                    // run_until waited with nothing that could end the wait

  // The container.
  enum class Phase { none, created, running, exited } phase = Phase::none;
  bool output_sent = false;
  std::shared_ptr<FakeStreamState> attach = std::make_shared<FakeStreamState>();
  std::shared_ptr<FakeStreamState> wait = std::make_shared<FakeStreamState>();

  bool called(const std::string& call) const { return std::find(calls.begin(), calls.end(), call) != calls.end(); }
  // Position of call in the record; calls.size() when absent.
  size_t at(const std::string& call) const { return std::find(calls.begin(), calls.end(), call) - calls.begin(); }
};

inline constexpr const char* kFakeId = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

class FakeDockerApi : public DockerApi {
 public:
  FakeDockerApi(std::shared_ptr<FakeDaemon> daemon, DockerEndpoint endpoint, std::string image)
      : d_(std::move(daemon)), endpoint_(std::move(endpoint)), image_(std::move(image)) {}

  const DockerEndpoint& endpoint() const override { return endpoint_; }
  const std::string& version() override { return version_; }

  std::string create(const std::string& name, const std::string&) override {
    request("create");
    d_->created_name = name;
    d_->phase = FakeDaemon::Phase::created;
    return kFakeId;
  }
  void start(const std::string& id) override {
    check_id(id);
    if (!(d_->attach->headers && d_->wait->headers)) d_->started_before_streams = true;
    request("start");
    d_->phase = FakeDaemon::Phase::running;
    if (d_->on_start) d_->on_start();
  }
  void stop(const std::string& id, long grace_seconds) override {
    check_id(id);
    request("stop", "stop " + std::to_string(grace_seconds));
    exit_with(143);  // SIGTERM
  }
  void kill(const std::string& id) override {
    check_id(id);
    request("kill");
    exit_with(137);  // SIGKILL
  }
  void remove(const std::string& id) override {
    check_id(id);
    request("remove");
  }
  nlohmann::json inspect(const std::string& id) override {
    check_id(id);
    request("inspect");
    return {{"Id", id}, {"State", d_->state}};
  }
  nlohmann::json list(const nlohmann::json&) override {
    request("list");
    return nlohmann::json::array();
  }

  std::unique_ptr<DockerStream> begin_attach(const std::string& id, BodySink sink) override {
    check_id(id);
    d_->calls.push_back("attach");
    d_->attach->begun = true;
    d_->attach->sink = std::move(sink);
    return std::make_unique<Stream>(d_->attach);
  }
  std::unique_ptr<DockerStream> begin_wait(const std::string& id) override {
    check_id(id);
    d_->calls.push_back("wait");
    d_->wait->begun = true;
    return std::make_unique<Stream>(d_->wait);
  }

  // As the real one: services the requests, then returns on ready, a readable
  // cancel_fd or the deadline, sleeping in poll meanwhile. A wait that only
  // the 3 s safety cap could end is recorded as hung.
  Wake run_until(const std::function<bool()>& ready, std::optional<std::chrono::steady_clock::time_point> deadline,
                 int cancel_fd = -1) override {
    using Clock = std::chrono::steady_clock;
    const auto cap = Clock::now() + std::chrono::seconds(3);
    for (;;) {
      pump();
      if (ready()) return Wake::ready;
      if (readable(cancel_fd, 0)) return Wake::cancelled;
      auto now = Clock::now();
      if (deadline && *deadline <= now) return Wake::deadline;
      if (now >= cap) {
        d_->hung = true;
        return Wake::deadline;
      }
      auto until = deadline ? std::min(*deadline, cap) : cap;
      readable(cancel_fd, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count()));
    }
  }

 private:
  class Stream : public DockerStream {
   public:
    explicit Stream(std::shared_ptr<FakeStreamState> s) : s_(std::move(s)) {}
    bool headers_done() const override { return s_->headers || s_->done; }
    bool done() const override { return s_->done; }
    const HttpResponse& response() const override { return s_->response; }

   private:
    std::shared_ptr<FakeStreamState> s_;
  };

  static bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (fd < 0) {
      ::poll(nullptr, 0, timeout_ms);
      return false;
    }
    return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN);
  }

  // Records the request; throws the daemon's error answer when it refuses it.
  void request(const std::string& op, const std::string& record = {}) {
    d_->calls.push_back(record.empty() ? op : record);
    if (auto it = d_->refuse.find(op); it != d_->refuse.end()) throw request_error(endpoint_, op, image_, it->second);
  }

  void check_id(const std::string& id) const {
    if (id != kFakeId) throw DockerError("fake daemon: no such container " + id, false);
  }

  // What the daemon does between two looks of the try: the streams'
  // headers arrive (or their errors), a running container writes its output
  // and, unless it runs until stopped, exits.
  void pump() {
    for (auto [name, s] : {std::pair{"attach", d_->attach}, std::pair{"wait", d_->wait}}) {
      if (!s->begun || s->headers || s->done) continue;
      if (auto it = d_->refuse.find(name); it != d_->refuse.end()) {
        s->response = it->second;
        s->done = true;
      } else {
        s->response.status = 200;
        s->headers = true;
      }
    }
    if (d_->phase != FakeDaemon::Phase::running) return;
    send_output();
    if (!d_->runs_until_stopped) exit_with(d_->exit_code);
  }

  void send_output() {
    if (d_->output_sent) return;
    d_->output_sent = true;
    if (!d_->attach->headers || d_->attach->done) return;
    for (const std::string& f : d_->output) d_->attach->sink(f);
  }

  void exit_with(int code) {
    if (d_->phase != FakeDaemon::Phase::running) return;
    send_output();
    d_->phase = FakeDaemon::Phase::exited;
    if (d_->attach->headers && !d_->attach->done) d_->attach->done = true;
    if (d_->wait->headers && !d_->wait->done) {
      d_->wait->response.body = nlohmann::json{{"StatusCode", code}, {"Error", nullptr}}.dump();
      d_->wait->done = true;
    }
  }

  std::shared_ptr<FakeDaemon> d_;
  DockerEndpoint endpoint_;
  std::string image_;
  std::string version_ = "1.41";
};

// The container executor's factory for a try against daemon.
inline DockerApiFactory fake_docker(std::shared_ptr<FakeDaemon> daemon) {
  return [daemon](const DockerEndpoint& endpoint, const std::string& image) -> std::unique_ptr<DockerApi> {
    return std::make_unique<FakeDockerApi>(daemon, endpoint, image);
  };
}

}  // namespace dagrun::testing
