// dagrun docker-proxy --listen unix:PATH [--upstream unix:///var/run/docker.sock]
// [--config FILE] [--audit FILE] [--name NAME] [--max-body BYTES]: the
// fail-closed Docker API proxy (proxy/), until SIGINT or SIGTERM.
#include <iostream>

#include "cli/verbs.h"
#include "model/byte_size.h"
#include "model/ids.h"
#include "proxy/proxy_server.h"
#include "run/signals.h"
#include "spec/engine_config.h"

namespace dagrun::cli {
namespace {

// "unix:PATH" or "unix://PATH" (PATH absolute).
std::optional<std::filesystem::path> unix_path(const std::string& flag, const std::string& value) {
  std::string path;
  if (value.starts_with("unix://")) path = value.substr(7);
  else if (value.starts_with("unix:")) path = value.substr(5);
  if (path.empty() || path.front() != '/') {
    std::cerr << "dagrun docker-proxy: --" << flag << " must be unix:/ABSOLUTE/PATH, got '" << value << "'"
              << (value.starts_with("tcp://") ? " (tcp:// is not supported yet: docs/security.md)" : "") << "\n";
    return std::nullopt;
  }
  return std::filesystem::path(path);
}

}  // namespace

int verb_docker_proxy(Context& ctx) {
  auto listen = unix_path("listen", ctx.args.value("listen").value_or(""));
  if (!listen) return kExitUsage;
  auto upstream = unix_path("upstream", ctx.args.value("upstream").value_or("unix:///var/run/docker.sock"));
  if (!upstream) return kExitUsage;

  proxy::ProxySettings settings;
  settings.upstream = proxy::Upstream(*upstream);
  settings.home = ctx.home.root;
  if (auto name = ctx.args.value("name")) {
    if (auto problem = id_problem(IdKind::task, *name)) {
      std::cerr << "dagrun docker-proxy: --name " << quote_id(*name) << " is not valid: " << *problem << "\n";
      return kExitUsage;
    }
    settings.name = *name;
  }
  if (auto v = ctx.args.value("max-body")) {
    std::string why;
    auto bytes = parse_byte_size(*v, &why);
    if (!bytes || *bytes < 1024 || *bytes > (64ull << 20)) {
      std::cerr << "dagrun docker-proxy: --max-body must be a size from 1KiB to 64MiB, got '" << *v << "'"
                << (why.empty() ? "" : ": " + why) << "\n";
      return kExitUsage;
    }
    settings.max_body = *bytes;
  }

  // The policy, or nothing: a file that does not load must not leave the
  // proxy running on the defaults someone meant to narrow.
  auto config_flag = ctx.args.value("config");
  EngineConfigResult config = config_flag ? load_engine_config_file(*config_flag, ctx.home.root)
                                          : load_engine_config(ctx.home.root);
  if (!config.ok()) {
    for (const Diagnostic& d : config.diagnostics) std::cerr << d.to_string() << "\n";
    std::cerr << "dagrun docker-proxy: the policy in " << config.file << " does not load; the proxy does not start\n";
    return kExitFailed;
  }
  settings.policy = config.config->containers;

  try {
    proxy::AuditLog audit(ctx.args.value("audit").value_or(""));
    CancelToken stop;
    SignalCanceller signals(stop);
    proxy::ListenOptions options;
    options.socket = *listen;
    proxy::serve_proxy(options, settings, audit, stop, [&] {
      std::cerr << "dagrun docker-proxy: listening on unix:" << listen->string() << " (upstream unix:"
                << upstream->string() << ", name " << settings.name << ")" << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "dagrun docker-proxy: " << e.what() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dagrun::cli
