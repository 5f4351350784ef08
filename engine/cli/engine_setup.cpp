#include "cli/engine_setup.h"

#include <utility>

namespace dagrun::cli {

app::EngineSettings engine_settings(const Context& ctx, std::string kind, EngineConfig config) {
  app::EngineSettings settings;
  settings.paths = ctx.home;
  settings.kind = std::move(kind);
  settings.config = std::move(config);
  return settings;
}

}  // namespace dagrun::cli
