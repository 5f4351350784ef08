// The bot's configuration: the .env file named by the task param env_file,
// overridden key by key by params.config (and NEWS_DATA_DIR by params.data_dir).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "secret_mask.h"

namespace dagrun::news {

// The keys the bot reads; params.config may set only these.
inline constexpr const char* kConfigKeys[] = {
    "NAVER_CLIENT_ID",     "NAVER_CLIENT_SECRET", "NAVER_API_URL",           "NEWS_KEYWORDS",
    "NEWS_DISPLAY",        "SLACK_WEBHOOK_URL",   "NEWS_DATA_DIR",           "NEWS_RETENTION_DAYS",
    "NEWS_SLACK_BATCH",    "NEWS_SLACK_MAX_WAIT", "NEWS_HTTP_CONNECT_TIMEOUT", "NEWS_HTTP_TIMEOUT",
    "NEWS_HTTP_PROXY"};

inline constexpr const char* kDefaultNaverUrl = "https://openapi.naver.com/v1/search/news.json";

// The task's params, as the plugin reads them from params_json.
struct TaskParams {
  std::optional<std::string> env_file;
  std::optional<std::string> data_dir;
  std::map<std::string, std::string> config;
  // A callback's event, which the engine gives a plugin callback as
  // params.callback (docs/callbacks.md): its one line for people.
  std::optional<std::string> callback_text;
};

// Parses params_json ("null" or an object with env_file, data_dir, config,
// and callback from the engine).
// Unknown keys are refused so a typo does not silently drop a setting.
// Throws StageError (no retry).
TaskParams parse_task_params(const std::string& params_json);

class NewsConfig {
 public:
  // Reads the env file (when given) and applies the overrides. Relative paths
  // (env_file, NEWS_DATA_DIR) are resolved against home; without a home they
  // must be absolute. With a param_root (DAGRUN_PARAM_ROOT: the engine confines
  // the DAG's params), NEWS_DATA_DIR must lie inside it, through no link below
  // it, whichever of the three sources set it. Throws StageError (no retry) for
  // an unreadable or invalid file, for a NEWS_DATA_DIR with a ".." component
  // and for one outside param_root.
  static NewsConfig load(const TaskParams& params, const std::optional<std::filesystem::path>& home,
                         const std::optional<std::filesystem::path>& param_root = std::nullopt);

  // Built directly from values (tests); source names them in messages.
  NewsConfig(std::map<std::string, std::string> values, std::string source);

  // The value, or StageError (no retry) naming the key and where to set it.
  const std::string& require(const std::string& key) const;
  std::string get(const std::string& key, const std::string& fallback) const;
  // An integer in [min, max], or StageError (no retry) naming the key and the file.
  int get_int(const std::string& key, int fallback, int min, int max) const;
  // Seconds as a decimal number in (0, max_seconds].
  std::chrono::milliseconds get_seconds(const std::string& key, double fallback, double max_seconds) const;

  // NEWS_KEYWORDS split at commas, trimmed, empty entries dropped; at least one.
  std::vector<std::string> keywords() const;
  // NEWS_DATA_DIR, resolved: required by the stages that use it.
  std::filesystem::path news_data_dir() const;

  // A masker that knows every secret among the values.
  SecretMasker masker() const;
  // "/home/bot/.env", or "params.config" when there is no env file.
  const std::string& source() const { return source_; }

 private:
  std::map<std::string, std::string> values_;
  std::string source_;
};

}  // namespace dagrun::news
