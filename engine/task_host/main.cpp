// dagrun-task-host: runs one plugin try in a process of its own, so a plugin
// that crashes, leaks or hangs takes down only this process. Started by the
// engine, or as the entry point of a container image.
//
//   dagrun-task-host --run                the try's request arrives on fd 3
//   dagrun-task-host --standalone FILE    the try from DAGRUN_* variables, no engine
//   dagrun-task-host --describe FILE      prints FILE's descriptor as JSON
//   dagrun-task-host --keep ... -- CMD    keeps a try's processes (base/try_keeper.h)
#include <cstdio>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "base/try_keeper.h"
#include "plugin/loader.h"
#include "task_host/host_session.h"
#include "task_host/standalone_session.h"

namespace {

int describe(const char* file) {
  nlohmann::json out;
  int code = 0;
  try {
    auto plugin = dagrun::load_plugin(file);
    const dagrun_plugin& d = plugin->descriptor();
    out = {{"name", plugin->name()},
           {"version", d.version ? d.version : ""},
           {"description", d.description ? d.description : ""},
           {"abi", std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor)}};
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
    code = 1;
  }
  std::puts(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fflush(stdout);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], dagrun::kKeeperFlag) == 0) return dagrun::run_keeper(argc, argv);
  if (argc == 2 && std::strcmp(argv[1], "--run") == 0) return dagrun::run_host_session();
  if (argc == 3 && std::strcmp(argv[1], "--standalone") == 0) dagrun::run_standalone(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "--describe") == 0) return describe(argv[2]);
  if (argc == 2 && std::strcmp(argv[1], "--abi") == 0) {
    std::printf("%d.%d\n", DAGRUN_PLUGIN_ABI_MAJOR, DAGRUN_PLUGIN_ABI_MINOR);
    return 0;
  }
  std::fprintf(stderr,
               "usage: dagrun-task-host --run | --standalone FILE | --describe FILE | --abi\n"
               "dagrun-task-host runs plugin tries for dagrun; it is started by the engine,\n"
               "or with --standalone as the entry point of a container image\n");
  return 2;
}
