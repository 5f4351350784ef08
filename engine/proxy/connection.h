// One client connection of the proxy: one request read in full, judged,
// and either refused with a JSON error or sent to the daemon as the proxy
// rebuilt it (method, the checked target, its own headers, the checked body)
// with the answer relayed back. One request per connection: whatever a
// client sends after it is never forwarded (an attach's hijacked stream
// excepted, which is the container's stdin).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <memory>

#include "policy/container_policy.h"
#include "proxy/audit_log.h"
#include "proxy/stream.h"
#include "proxy/upstream.h"

namespace dagrun::proxy {

struct ProxySettings {
  Upstream upstream{"/var/run/docker.sock"};
  ContainerPolicy policy;
  std::filesystem::path home;  // data/<dag_id> under it are mount roots
  std::string name = "dagrun-docker-proxy";
  std::uint64_t max_body = 1u << 20;
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
};

// Serves the request on client. who says who the client is (its
// credentials or certificate), for the audit; every decision goes there.
void serve_connection(Stream& client, const AuditEntry& who, const ProxySettings& settings, AuditLog& audit);

}  // namespace dagrun::proxy
