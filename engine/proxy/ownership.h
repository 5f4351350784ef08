// Which containers a client of the proxy may touch: only those created
// through this proxy, which carry its label (create_check.h, kProxyLabel).
// The daemon resolves names and id prefixes; the proxy asks it which
// container a reference means, checks that container's label, and sends the
// operation with the full id it checked, so no later rename or creation can
// change which container the operation reaches.
#pragma once

#include <optional>
#include <string>

#include "proxy/route.h"
#include "proxy/upstream.h"

namespace dagrun::proxy {

struct Ownership {
  std::optional<std::string> full_id;  // the container's id when it is the proxy's
  int http_status = 0;                 // otherwise: 403 (another's), 404 (none) or 400 (ambiguous)
  std::string reason;
};

// Throws UpstreamError when the daemon cannot say.
Ownership check_owner(const Upstream& upstream, const Route& route, const std::string& proxy_name);

// A list request narrowed to the proxy's containers: the label filter added
// to the client's filters. The reason when the filters are not the JSON the
// daemon takes.
std::optional<std::string> restrict_list(Route& route, const std::string& proxy_name);

}  // namespace dagrun::proxy
