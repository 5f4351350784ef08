// Fakes for the news stages: a host that records what the plugin reports, an
// HTTP client that answers from a script, a waiter that does not wait, and a
// temporary directory.
#pragma once

#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <dagrun/plugin.h>

#include "news/config.h"
#include "news/http_client.h"
#include "news/stage_host.h"
#include "news/stage_io.h"
#include "temp_dir.h"

namespace dagrun::news::testing {

struct FakeHost {
  std::vector<std::string> logs;
  std::string error;
  std::map<std::string, std::string> xcom;
  std::function<bool()> cancel = [] { return false; };
  dagrun_host table{};

  FakeHost() {
    table.struct_size = sizeof table;
    table.host_data = this;
    table.log = [](void* self, dagrun_log_level, const char* m) { static_cast<FakeHost*>(self)->logs.push_back(m); };
    table.set_error = [](void* self, const char* m) { static_cast<FakeHost*>(self)->error = m; };
    table.xcom_push = [](void* self, const char* k, const char* v) {
      static_cast<FakeHost*>(self)->xcom[k] = v;
      return 0;
    };
    table.xcom_pull = [](void*, const char*, const char*) -> const char* { return nullptr; };
    table.is_cancelled = [](void* self) { return static_cast<FakeHost*>(self)->cancel() ? 1 : 0; };
  }
  FakeHost(const FakeHost&) = delete;

  // Every log line, the error and every XCom value, for "no secret anywhere" checks.
  std::string everything() const {
    std::string all = error + "\n";
    for (const auto& l : logs) all += l + "\n";
    for (const auto& [k, v] : xcom) all += k + "=" + v + "\n";
    return all;
  }
};

inline HttpResponse respond(long status, std::string body, Headers headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline HttpResponse network_error(std::string what) {
  HttpResponse r;
  r.error = std::move(what);
  return r;
}

// Answers requests from a queue (then with `fallback`), recording them.
class FakeHttp : public HttpClient {
 public:
  std::deque<HttpResponse> script;
  std::function<HttpResponse(const HttpRequest&)> fallback = [](const HttpRequest&) { return respond(200, "ok"); };
  std::vector<HttpRequest> requests;

  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    if (script.empty()) return fallback(request);
    HttpResponse r = std::move(script.front());
    script.pop_front();
    return r;
  }
};

class FakeWaiter : public Waiter {
 public:
  std::vector<std::chrono::milliseconds> waits;
  bool wait(std::chrono::milliseconds how_long, const StageHost& host) override {
    waits.push_back(how_long);
    return !host.cancelled();
  }
};

using dagrun::testing::TempDir;

// Everything a stage needs, faked: run it with run(fetch_news) and inspect.
struct Rig {
  FakeHost host;
  StageHost stage_host{&host.table};
  TempDir run_dir;   // the run's data directory
  TempDir news_dir;  // NEWS_DATA_DIR
  FakeHttp http;
  FakeWaiter waiter;
  SysTime now;
  std::map<std::string, std::string> values;

  Rig();
  NewsConfig config() const { return NewsConfig(values, "test.env"); }
  StageIo io();
  // Runs the stage as the plugin would: masked host, guarded, status back.
  dagrun_status run(void (*stage)(const NewsConfig&, StageIo&), const std::string& name = "stage");
};

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// A fixed time: 2026-11-29 12:00:00 KST (03:00 UTC).
SysTime fixed_now();

// A Naver item as the API returns it (title/description HTML, RFC 822 date).
std::string naver_item(const std::string& title, const std::string& link, const std::string& pub_date,
                       const std::string& originallink = "", const std::string& description = "설명");
// A 200 body holding the items (JSON text each).
std::string naver_body(const std::vector<std::string>& items);

}  // namespace dagrun::news::testing
