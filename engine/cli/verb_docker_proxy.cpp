// dagrun docker-proxy --listen unix:PATH|tcp://HOST:PORT [--tlscacert FILE
// --tlscert FILE --tlskey FILE] [--upstream unix:PATH|tcp://HOST:PORT
// [--upstream-cert-path DIR]] [--config FILE] [--audit FILE] [--name NAME]
// [--max-body BYTES]: the fail-closed Docker API proxy (proxy/), until
// SIGINT or SIGTERM.
#include <iostream>

#include "cli/verbs.h"
#include "model/byte_size.h"
#include "model/ids.h"
#include "proxy/proxy_server.h"
#include "run/signals.h"
#include "spec/engine_config.h"

namespace dagrun::cli {
namespace {

std::optional<proxy::ProxyAddress> address_flag(const std::string& flag, const std::string& value, bool listener) {
  std::string why;
  auto a = proxy::parse_proxy_address(value, listener, &why);
  if (!a) std::cerr << "dagrun docker-proxy: --" << flag << " '" << value << "': " << why << "\n";
  return a;
}

// A file or directory flag: at most PATH_MAX bytes, no NUL (OpenSSL takes C strings).
bool path_flag_ok(const std::string& flag, const std::optional<std::string>& value) {
  if (!value) return true;
  if (value->empty() || value->size() >= 4096 || value->find('\0') != std::string::npos) {
    std::cerr << "dagrun docker-proxy: --" << flag << " must be a path of 1 to 4095 bytes\n";
    return false;
  }
  return true;
}

// --tlscacert, --tlscert and --tlskey: all three with a TCP listener (a
// client without a certificate from the CA is refused), none with a socket.
std::optional<proxy::TlsFiles> listen_tls(const ParsedArgs& args, bool tcp) {
  proxy::TlsFiles f;
  auto ca = args.value("tlscacert"), cert = args.value("tlscert"), key = args.value("tlskey");
  if (!path_flag_ok("tlscacert", ca) || !path_flag_ok("tlscert", cert) || !path_flag_ok("tlskey", key))
    return std::nullopt;
  if (!tcp) {
    if (ca || cert || key) {
      std::cerr << "dagrun docker-proxy: --tlscacert, --tlscert and --tlskey go with --listen tcp://\n";
      return std::nullopt;
    }
    return f;
  }
  if (!ca || !cert || !key) {
    std::cerr << "dagrun docker-proxy: --listen tcp:// needs --tlscacert, --tlscert and --tlskey: clients on "
                 "the network must show a certificate from your CA (plain TCP to the Docker API is root on "
                 "the host for anyone who reaches the port)\n";
    return std::nullopt;
  }
  f.ca = *ca;
  f.cert = *cert;
  f.key = *key;
  return f;
}

// The daemon on tcp:// as the docker CLI reaches it: ca.pem, cert.pem and
// key.pem from a directory (--upstream-cert-path, else DOCKER_CERT_PATH).
std::optional<proxy::TlsFiles> upstream_tls(const ParsedArgs& args, bool tcp) {
  auto dir = args.value("upstream-cert-path");
  if (!tcp) {
    if (dir) {
      std::cerr << "dagrun docker-proxy: --upstream-cert-path goes with --upstream tcp://\n";
      return std::nullopt;
    }
    return proxy::TlsFiles{};
  }
  if (!dir) {
    if (const char* env = std::getenv("DOCKER_CERT_PATH"); env && *env) dir = env;
  }
  if (dir && !path_flag_ok("upstream-cert-path (or DOCKER_CERT_PATH)", dir)) return std::nullopt;
  if (!dir) {
    std::cerr << "dagrun docker-proxy: --upstream tcp:// needs --upstream-cert-path DIR (or DOCKER_CERT_PATH) "
                 "with ca.pem, cert.pem and key.pem: the daemon is reached with TLS only\n";
    return std::nullopt;
  }
  std::filesystem::path d(*dir);
  return proxy::TlsFiles{d / "ca.pem", d / "cert.pem", d / "key.pem"};
}

}  // namespace

int verb_docker_proxy(Context& ctx) {
  auto listen = address_flag("listen", ctx.args.value("listen").value_or(""), true);
  if (!listen) return kExitUsage;
  auto upstream = address_flag("upstream", ctx.args.value("upstream").value_or("unix:///var/run/docker.sock"), false);
  if (!upstream) return kExitUsage;
  auto listen_files = listen_tls(ctx.args, !listen->is_unix());
  if (!listen_files) return kExitUsage;
  auto upstream_files = upstream_tls(ctx.args, !upstream->is_unix());
  if (!upstream_files) return kExitUsage;

  proxy::ProxySettings settings;
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
    // Certificates that do not load stop the proxy here, as a policy does.
    proxy::ListenOptions options;
    options.address = *listen;
    if (!listen->is_unix()) options.tls = proxy::TlsContext::server(*listen_files);
    settings.upstream = upstream->is_unix()
                            ? proxy::Upstream(upstream->socket)
                            : proxy::Upstream(upstream->host, upstream->port, proxy::TlsContext::client(*upstream_files));
    proxy::AuditLog audit(ctx.args.value("audit").value_or(""));
    CancelToken stop;
    SignalCanceller signals(stop);
    proxy::serve_proxy(options, settings, audit, stop, [&](const std::string& address) {
      std::cerr << "dagrun docker-proxy: listening on " << address << " (upstream " << settings.upstream.url()
                << ", name " << settings.name << ")" << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "dagrun docker-proxy: " << e.what() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dagrun::cli
