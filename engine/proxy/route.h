// Which Docker API call a request is, decided from its method and target
// alone, by exact templates: what the container executor and its clean-up
// call, and nothing else. The target is decoded once; an encoded '/', a '..'
// or '.' segment, an empty segment, a second encoding, a duplicate or unknown
// query parameter, or an API version the proxy does not know is refused.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exec/docker/docker_client.h"

namespace dagrun::proxy {

enum class RouteKind {
  ping,        // GET|HEAD /_ping
  version,     // GET /version
  create,      // POST /containers/create
  list,        // GET /containers/json
  container,   // an operation on one container: op says which
};

struct Route {
  RouteKind kind = RouteKind::ping;
  std::string api_version;  // "1.41", or empty when the path has no /vX.Y prefix
  std::string container;    // kind container: the id or name as the client wrote it (decoded)
  std::string op;           // kind container: start, stop, kill, wait, attach, logs, inspect, remove
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in the client's order
};

struct RouteDecision {
  std::optional<Route> route;  // empty: refused
  int http_status = 0;         // refused: 400 (malformed) or 403 (not allowed)
  std::string reason;
};

// The API versions the proxy passes are those the engine's Docker client
// speaks (exec/docker/docker_client.h): requests naming another are
// refused, since what another version's body may hold is not known to the
// checks.
inline constexpr int kMinApiMinor = kOldestApiMinor;
inline constexpr int kMaxApiMinor = kNewestApiMinor;

RouteDecision route_request(const std::string& method, const std::string& target);

// The target sent upstream: the route with container (the full id the proxy
// looked up) in place of what the client wrote, and the query re-encoded.
std::string upstream_target(const Route& route, const std::string& container_id);

}  // namespace dagrun::proxy
