// Shared by the exec and plugin tests: a fake TrySink (the Runner's side),
// temporary directories and the build tree's task host and plugins.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "exec/exec_options.h"
#include "exec/executor.h"
#include "temp_dir.h"
#include "task_support.h"

namespace dagrun::testing {

inline std::filesystem::path build_dir() { return DAGRUN_BUILD_DIR; }
inline std::filesystem::path plugin_dir() { return build_dir() / DAGRUN_REL_PLUGIN_DIR; }
inline std::filesystem::path broken_plugin_dir() { return build_dir() / "tests" / "plugins"; }
inline std::filesystem::path task_host() {
  return build_dir() / DAGRUN_REL_LIBEXEC_DIR / "dagrun-task-host";
}

inline ExecOptions test_options() {
  ExecOptions o;
  o.task_host = task_host();
  o.kill_grace = std::chrono::milliseconds(300);
  return o;
}

using dagrun::testing::TempDir;

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FakeSink : public TrySink {
 public:
  void log(LogLevel level, std::string_view message) override {
    std::lock_guard lock(mu_);
    logs.emplace_back(level, std::string(message));
  }
  void started_process(int pid) override {
    {
      std::lock_guard lock(mu_);
      pids.push_back(pid);
    }
    if (on_started) on_started(pid);
  }
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = xcoms.find({task_id, key});
    if (it == xcoms.end()) return std::nullopt;
    return it->second;
  }
  std::string xcom_push(const std::string& key, const std::string& value_json) override {
    std::lock_guard lock(mu_);
    pushed[key] = value_json;
    return {};
  }

  bool logged(std::string_view needle) {
    std::lock_guard lock(mu_);
    for (auto& [level, text] : logs)
      if (text.find(needle) != std::string::npos) return true;
    return false;
  }

  std::vector<std::pair<LogLevel, std::string>> logs;
  std::vector<int> pids;
  std::map<std::pair<std::string, std::string>, std::string> xcoms;  // what pulls find
  std::map<std::string, std::string> pushed;
  std::function<void(int)> on_started;

 private:
  std::mutex mu_;
};

// A one-task DAG and a TryRequest for it, with a fresh data directory.
struct TryFixture {
  TempDir dir;
  Dag dag;
  TaskSpec task;

  TryFixture() {
    dag.dag_id = "test_dag";
    task.task_id = "t";
    std::filesystem::create_directories(dir.path() / "data");
  }
  std::filesystem::path log_path() const { return dir.path() / "t.1.log"; }
  std::string log_text() const { return read_file(log_path()); }
  TryRequest request(int try_number = 1) const {
    TryRequest r;
    r.dag = &dag;
    r.task = &task;
    r.run_id = "manual__2026-01-01T00:00:00Z";
    r.try_number = try_number;
    r.data_dir = dir.path() / "data";
    r.log_path = log_path();
    r.env = task.env;  // the Runner adds its DAGRUN_* variables in front
    return r;
  }
  void plugin(std::string name, nlohmann::json params = nullptr) {
    as_plugin(task).name = std::move(name);
    task.params = std::move(params);
  }
};

// True once pid is dead (a zombie left to init counts as dead). Waits up to
// a few seconds for it to happen: signals are delivered asynchronously.
inline bool process_gone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (::kill(pid, 0) != 0) return true;
    std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace dagrun::testing
