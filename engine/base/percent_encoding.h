// Percent-encoding of URL components (RFC 3986), one home for the web API,
// the Docker client and the Docker API proxy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dagrun {

// Everything but the unreserved characters (A-Z a-z 0-9 - _ . ~) escaped.
std::string url_encode(std::string_view s);

// Each %XX decoded once; nullopt for a '%' not followed by two hex digits or
// for %00 (no caller wants a NUL inside a name).
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace dagrun
