#include "policy/mount_context.h"

#include <nlohmann/json.hpp>

namespace dagrun {

std::optional<std::filesystem::path> dag_data_dir(std::string_view dag_id) {
  if (dag_id.empty() || dag_id == "." || dag_id == "..") return std::nullopt;
  return std::filesystem::path("data") / std::string(dag_id);
}

DagMountContext dag_mount_context(const std::filesystem::path& home, std::string_view dag_id,
                                  const JsonValue& params) {
  DagMountContext ctx;
  ctx.home = home;
  ctx.dag_id = std::string(dag_id);
  if (!params->is_object()) return ctx;
  auto text = [&](const char* key) {
    auto it = params->find(key);
    return it != params->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ctx.data_dir = text("data_dir");
  ctx.env_file = text("env_file");
  return ctx;
}

}  // namespace dagrun
