// Shared by the app tests: an engine's settings on a temporary home, and a
// DAG of command tasks.
#pragma once

#include <string>

#include <doctest/doctest.h>

#include "app/engine.h"
#include "spec/loader.h"
#include "exec/exec_test_support.h"

namespace dagrun::app_test {

using dagrun::testing::TempDir;

// A trigger's engine on `home`, as `dagrun --home HOME` would resolve it,
// leaving the test runner's signals alone.
inline app::EngineSettings settings_on(const TempDir& home, std::string kind = "trigger") {
  app::EngineSettings s;
  s.paths.root = home.path();
  s.paths.dags = home / "dags";
  s.paths.db = home / "dagrun.db";
  s.paths.logs = home / "logs";
  s.paths.data = home / "data";
  s.paths.config = home / "dagrun.json";
  s.paths.task_host = testing::task_host();
  s.kind = std::move(kind);
  s.handle_signals = false;
  return s;
}

// The DAG `dag_id` of one command task, `only`.
inline Dag command_dag(const std::string& dag_id, const std::string& argv_json) {
  const std::string text =
      R"({"dag_id": ")" + dag_id + R"(", "tasks": [{"task_id": "only", "command": )" + argv_json + "}]}";
  LoadResult r = load_dag_text(text, dag_id + ".json", LoadOptions{});
  REQUIRE_MESSAGE(r.ok(), (r.diagnostics.empty() ? "" : r.diagnostics.front().to_string()));
  return std::move(*r.dag);
}

// The loader's result for a DAG built in a test, as the DAG folder gives it.
inline LoadResult loaded(const Dag& dag) {
  LoadResult r;
  r.dag = dag;
  r.dag_id = dag.dag_id;
  r.file = dag.file;
  return r;
}

}  // namespace dagrun::app_test
