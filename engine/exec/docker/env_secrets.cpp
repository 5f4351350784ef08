#include "exec/docker/env_secrets.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace dagrun {

bool secret_like_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view part : {"SECRET", "TOKEN", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH", "PRIVATE",
                                "WEBHOOK", "API", "COOKIE"})
    if (upper.find(part) != std::string::npos) return true;
  return false;
}

void EnvSecrets::add(std::string_view value) {
  if (value.size() < kMinLength) return;
  auto insert = [&](std::string s) {
    if (std::find(secrets_.begin(), secrets_.end(), s) != secrets_.end()) return;
    auto at = std::find_if(secrets_.begin(), secrets_.end(), [&](const std::string& o) { return o.size() < s.size(); });
    secrets_.insert(at, std::move(s));
  };
  insert(std::string(value));
  // How the value looks inside a JSON string (the daemon quotes the request's JSON).
  std::string escaped =
      nlohmann::json(std::string(value)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  escaped = escaped.substr(1, escaped.size() - 2);
  if (escaped != value) insert(std::move(escaped));
}

void EnvSecrets::add_env_file(const EnvList& env_file) {
  for (const auto& [key, value] : env_file) add(value);
}

void EnvSecrets::add_environment(const EnvList& environment) {
  for (const auto& [key, value] : environment)
    if (secret_like_name(key)) add(value);
}

std::string EnvSecrets::mask(std::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3))
      out.replace(at, secret.size(), "***");
  }
  return out;
}

}  // namespace dagrun
