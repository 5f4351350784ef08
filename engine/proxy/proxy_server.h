// `dagrun docker-proxy`'s listener: a Unix socket that clients (the engine,
// a worker, `dagrun trigger` run as an unprivileged user) reach instead of
// the daemon's, one thread per connection, bounded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>

#include "base/cancel.h"
#include "proxy/audit_log.h"
#include "proxy/connection.h"

namespace dagrun::proxy {

struct ListenOptions {
  std::filesystem::path socket;  // replaced when a stale socket is there; any other file is an error
  unsigned mode = 0660;          // the proxy's group reaches it; nobody else
  std::size_t max_connections = 256;
};

// Serves until stop is cancelled; then stops accepting, ends the open
// connections and returns once their threads have. Throws
// std::runtime_error when the socket cannot be made.
void serve_proxy(const ListenOptions& listen, const ProxySettings& settings, AuditLog& audit,
                 const CancelToken& stop, const std::function<void()>& on_listening = {});

}  // namespace dagrun::proxy
