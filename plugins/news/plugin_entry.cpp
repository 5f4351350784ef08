#include "plugin_entry.h"

#include <string>

#include "curl_http_client.h"
#include "stage_error.h"

namespace dagrun::news {

namespace {

// The first entry of that name in the context's env list, where the engine
// puts its DAGRUN_* before the task's env (and gives DAGRUN_PARAM_ROOT once).
// Not the process environment: an in_process plugin shares the engine's.
const char* context_env(const dagrun_task_context& context, std::string_view name) {
  for (size_t i = 0; i < context.env_count; ++i) {
    const dagrun_env_entry& e = context.env[i];
    if (e.key && e.value && std::string_view(e.key) == name) return e.value;
  }
  return nullptr;
}

}  // namespace

std::optional<std::filesystem::path> dagrun_home(const dagrun_task_context& context) {
  const char* home = context_env(context, "DAGRUN_HOME");
  if (home && *home) return std::filesystem::path(home);
  return std::nullopt;
}

std::optional<std::filesystem::path> param_root(const dagrun_task_context& context) {
  // Present but empty stays present: NewsConfig::load refuses it rather than
  // confining nothing.
  const char* root = context_env(context, "DAGRUN_PARAM_ROOT");
  if (root) return std::filesystem::path(root);
  return std::nullopt;
}

dagrun_status run_stage_plugin(const dagrun_task_context* context, const dagrun_host* host, const char* stage,
                               StageFn fn) {
  if (!host || host->struct_size < sizeof(dagrun_host)) return DAGRUN_FAILED_NO_RETRY;
  StageHost stage_host(host);
  return run_guarded(stage_host, stage, [&] {
    if (!context || context->struct_size < sizeof(dagrun_task_context))
      throw config_error("the engine passed an incomplete task context");
    if (!context->data_dir || !*context->data_dir) throw config_error("the engine gave the task no data directory");
    const TaskParams params = parse_task_params(context->params_json ? context->params_json : "null");
    const NewsConfig config = NewsConfig::load(params, dagrun_home(*context), param_root(*context));
    stage_host.set_masker(config.masker());
    stage_host.info(std::string(stage) + ": try " + std::to_string(context->try_number) + " of run " +
                    (context->run_id ? context->run_id : "?") + ", configuration from " + config.source());

    CurlOptions options;
    options.connect_timeout = config.get_seconds("NEWS_HTTP_CONNECT_TIMEOUT", 5, 600);
    options.total_timeout = config.get_seconds("NEWS_HTTP_TIMEOUT", 30, 3600);
    options.proxy = config.get("NEWS_HTTP_PROXY", "");
    CurlHttpClient http(options, [&stage_host] { return stage_host.cancelled(); });
    PollingWaiter waiter;
    StageIo io{stage_host, context->data_dir};
    io.http = &http;
    io.waiter = &waiter;
    io.callback_text = params.callback_text.value_or("");
    fn(config, io);
  });
}

}  // namespace dagrun::news
