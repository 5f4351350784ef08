// URL pieces the stages build by hand.
#pragma once

#include <string>
#include <string_view>

namespace dagrun::news {

// Percent-encodes everything but RFC 3986's unreserved characters, byte by
// byte, so UTF-8 keywords become %EC%84%9C...
std::string url_encode(std::string_view text);

// url + '?' + query, or '&' + query when url already has a query.
std::string with_query(std::string_view url, std::string_view query);

}  // namespace dagrun::news
