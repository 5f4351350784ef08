// `dagrun docker-proxy`'s listener: a Unix socket that clients (the engine,
// a worker, `dagrun trigger` run as an unprivileged user) reach instead of
// the daemon's, or a TCP port with mutual TLS for clients on other hosts;
// one thread per connection, bounded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/cancel.h"
#include "proxy/audit_log.h"
#include "proxy/address.h"
#include "proxy/connection.h"
#include "proxy/tls_stream.h"

namespace dagrun::proxy {

struct ListenOptions {
  // A Unix socket is replaced when a stale socket is there (any other file
  // is an error); a TCP address needs tls.
  ProxyAddress address;
  std::shared_ptr<TlsContext> tls;  // TlsContext::server: clients show a certificate from its CA
  unsigned mode = 0660;             // a Unix socket's: the proxy's group reaches it; nobody else
  std::size_t max_connections = 256;
};

// Serves until stop is cancelled; then stops accepting, ends the open
// connections and returns once their threads have. on_listening gets the
// address clients reach (a TCP port 0 replaced by the one bound). Throws
// std::runtime_error when the socket cannot be made.
void serve_proxy(const ListenOptions& listen, const ProxySettings& settings, AuditLog& audit,
                 const CancelToken& stop, const std::function<void(const std::string&)>& on_listening = {});

}  // namespace dagrun::proxy
