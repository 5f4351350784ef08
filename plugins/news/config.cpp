#include "config.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "env_file.h"
#include "files.h"
#include "param_root.h"
#include "stage_error.h"

namespace dagrun::news {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool known_key(const std::string& key) {
  for (const char* k : kConfigKeys) {
    if (key == k) return true;
  }
  return false;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

fs::path resolve(const std::string& value, const std::optional<fs::path>& home, const std::string& what) {
  fs::path p(value);
  if (p.is_absolute()) return p.lexically_normal();
  if (!home)
    throw config_error(what + " '" + value +
                       "' is relative but the dagrun home is unknown; give an absolute path");
  return (*home / p).lexically_normal();
}

}  // namespace

TaskParams parse_task_params(const std::string& params_json) {
  TaskParams out;
  const json doc = json::parse(params_json, nullptr, false);
  if (doc.is_discarded()) throw config_error("params: not valid JSON");
  if (doc.is_null()) return out;
  if (!doc.is_object()) throw config_error("params: expected an object, got " + std::string(doc.type_name()));
  for (const auto& [key, value] : doc.items()) {
    if (key == "env_file" || key == "data_dir") {
      if (!value.is_string() || value.get<std::string>().empty())
        throw config_error("params." + key + ": expected a non-empty string");
      (key == "env_file" ? out.env_file : out.data_dir) = value.get<std::string>();
    } else if (key == "config") {
      if (!value.is_object()) throw config_error("params.config: expected an object of KEY: value");
      for (const auto& [k, v] : value.items()) {
        if (!known_key(k)) throw config_error("params.config: unknown key '" + k + "'");
        if (v.is_string())
          out.config[k] = v.get<std::string>();
        else if (v.is_number())
          out.config[k] = v.dump();
        else
          throw config_error("params.config." + k + ": expected a string or a number");
      }
    } else if (key == "callback") {
      if (!value.is_object() || !value.contains("text") || !value["text"].is_string())
        throw config_error("params.callback: expected the engine's event, an object with a text");
      out.callback_text = value["text"].get<std::string>();
    } else {
      throw config_error("params: unknown key '" + key + "' (known: env_file, data_dir, config)");
    }
  }
  return out;
}

NewsConfig::NewsConfig(std::map<std::string, std::string> values, std::string source)
    : values_(std::move(values)), source_(std::move(source)) {}

NewsConfig NewsConfig::load(const TaskParams& params, const std::optional<fs::path>& home,
                            const std::optional<fs::path>& param_root) {
  std::map<std::string, std::string> values;
  std::string source = "params.config";
  std::string data_dir_source;  // which of the three set NEWS_DATA_DIR, for messages
  if (params.env_file) {
    const fs::path path = resolve(*params.env_file, home, "params.env_file");
    source = path.string();
    const auto text = read_file(path);
    if (!text) throw config_error("cannot read env file " + source + ": " + errno_text(ENOENT));
    EnvFile env = parse_env(*text, source);
    if (!env.errors.empty()) {
      std::string message = "invalid env file: " + env.errors[0];
      for (size_t i = 1; i < env.errors.size(); ++i) message += "; " + env.errors[i];
      throw config_error(message);
    }
    values = std::move(env.values);
    data_dir_source = source;
  }
  if (params.data_dir) {
    values["NEWS_DATA_DIR"] = *params.data_dir;
    data_dir_source = "params.data_dir";
  }
  for (const auto& [k, v] : params.config) values[k] = v;
  if (params.config.count("NEWS_DATA_DIR")) data_dir_source = "params.config";

  if (auto it = values.find("NEWS_DATA_DIR"); it != values.end() && !it->second.empty()) {
    for (const auto& part : fs::path(it->second)) {
      if (part == "..") throw config_error("NEWS_DATA_DIR '" + it->second + "' must not contain '..'");
    }
    const fs::path resolved = resolve(it->second, home, "NEWS_DATA_DIR");
    if (param_root) require_inside_param_root(it->second, resolved, data_dir_source, *param_root);
    it->second = resolved.string();
  }
  return NewsConfig(std::move(values), std::move(source));
}

const std::string& NewsConfig::require(const std::string& key) const {
  const auto it = values_.find(key);
  if (it != values_.end() && !trim(it->second).empty()) return it->second;
  if (source_ == "params.config")
    throw config_error("missing " + key + ": no env_file param, and params.config does not set it");
  throw config_error("missing " + key + " in " + source_ + " (set it there or in params.config)");
}

std::string NewsConfig::get(const std::string& key, const std::string& fallback) const {
  const auto it = values_.find(key);
  return it == values_.end() || trim(it->second).empty() ? fallback : trim(it->second);
}

int NewsConfig::get_int(const std::string& key, int fallback, int min, int max) const {
  const std::string text = get(key, "");
  if (text.empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max)
    throw config_error(key + " in " + source_ + ": expected an integer from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", got '" + text + "'");
  return static_cast<int>(value);
}

std::chrono::milliseconds NewsConfig::get_seconds(const std::string& key, double fallback, double max_seconds) const {
  const std::string text = get(key, "");
  double value = fallback;
  if (!text.empty()) {
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(value) || value <= 0 || value > max_seconds)
      throw config_error(key + " in " + source_ + ": expected seconds, more than 0 and at most " +
                         std::to_string(static_cast<int>(max_seconds)) + ", got '" + text + "'");
  }
  return std::chrono::milliseconds(static_cast<long long>(std::llround(value * 1000)));
}

std::vector<std::string> NewsConfig::keywords() const {
  const std::string& text = require("NEWS_KEYWORDS");
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string word = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!word.empty()) out.push_back(word);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) throw config_error("NEWS_KEYWORDS in " + source_ + ": no keywords between the commas");
  return out;
}

fs::path NewsConfig::news_data_dir() const { return fs::path(require("NEWS_DATA_DIR")); }

SecretMasker NewsConfig::masker() const {
  SecretMasker m;
  for (const char* key : {"NAVER_CLIENT_ID", "NAVER_CLIENT_SECRET"}) m.add_secret(get(key, ""));
  for (const char* key : {"SLACK_WEBHOOK_URL", "NEWS_HTTP_PROXY"}) {
    if (const std::string url = get(key, ""); !url.empty()) m.add_secret_url(url);
  }
  return m;
}

}  // namespace dagrun::news
