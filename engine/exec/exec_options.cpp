#include "exec/exec_options.h"

#include <system_error>

#include "store/postgres/module/pg_module.h"

namespace dagrun {

InstallPaths install_paths_for(const std::filesystem::path& executable) {
  auto prefix = executable.parent_path().parent_path();
  return {prefix / DAGRUN_REL_LIBEXEC_DIR / "dagrun-task-host", prefix / DAGRUN_REL_PLUGIN_DIR,
          prefix / DAGRUN_REL_MODULE_DIR / kPgModuleFile};
}

InstallPaths install_paths() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return install_paths_for(ec ? std::filesystem::path("/usr/local/bin/dagrun") : self);
}

}  // namespace dagrun
