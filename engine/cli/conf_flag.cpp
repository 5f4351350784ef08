#include "cli/conf_flag.h"

#include <nlohmann/json.hpp>

namespace dagrun::cli {

std::string conf_flag(const ParsedArgs& args) {
  auto text = args.value("conf");
  if (!text) return "{}";
  nlohmann::json conf;
  try {
    conf = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(std::string("--conf is not valid JSON: ") + e.what());
  }
  if (!conf.is_object()) throw UsageError("--conf must be a JSON object, e.g. '{\"date\": \"2026-11-29\"}'");
  return conf.dump();
}

}  // namespace dagrun::cli
