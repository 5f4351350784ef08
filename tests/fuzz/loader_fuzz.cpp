// libFuzzer target for the DAG loader: any bytes must give either a Dag or
// diagnostics, never a crash, a hang, a sanitizer report or a broken invariant.
// Built by tools/fuzz (clang, -fsanitize=fuzzer,address,undefined); see
// docs/testing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/limits.h"
#include "spec/loader.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  // abort() makes libFuzzer save the input as a crash artifact.
  __builtin_printf("loader_fuzz: invariant broken: %s\n", what);
  std::abort();
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void check_loaded(const dagrun::Dag& dag) {
  require(!dag.tasks.empty(), "a valid DAG has tasks");
  require(dag.tasks.size() <= dagrun::limits::kMaxTasks, "task count bounded");
  require(!has_nul(dag.dag_id), "no NUL in dag_id");
  for (const dagrun::TaskSpec& t : dag.tasks) {
    require(!t.task_id.empty() && !has_nul(t.task_id), "task ids are valid");
    if (const dagrun::CommandTask* command = t.command())
      for (const std::string& arg : command->argv) require(!has_nul(arg), "no NUL in argv");
    for (const auto& [name, value] : t.env)
      require(!has_nul(name) && !has_nul(value), "no NUL in env");
    if (const dagrun::PluginTask* plugin = t.plugin()) require(!has_nul(plugin->name), "no NUL in plugin name");
    require(t.upstream.size() <= dagrun::limits::kMaxUpstream, "upstream bounded");
    for (std::uint32_t up : t.upstream) require(up < dag.tasks.size(), "upstream resolved to a task");
    require(t.retry_delay <= dagrun::limits::kMaxDuration, "retry_delay bounded");
    if (t.execution_timeout) require(*t.execution_timeout <= dagrun::limits::kMaxDuration, "timeout bounded");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> kPlugins{"fail", "noop", "sleep"};
  dagrun::LoadOptions options;
  options.known_plugins = &kPlugins;
  options.home = "/nonexistent/dagrun-fuzz-home";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dagrun::LoadResult r = dagrun::load_dag_text(text, "fuzz.json", options);
  require(r.ok() == r.diagnostics.empty(), "ok exactly when there are no diagnostics");
  require(r.diagnostics.size() <= dagrun::limits::kMaxDiagnostics + 1, "diagnostics bounded");
  for (const dagrun::Diagnostic& d : r.diagnostics) {
    require(d.line >= 0 && d.column >= 0, "positions are not negative");
    require(!d.message.empty(), "every diagnostic says something");
    (void)d.to_string();
  }
  if (r.dag) check_loaded(*r.dag);
  return 0;
}
