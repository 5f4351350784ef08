#include "store/db_url.h"

namespace dagrun {

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string redact_db_url(std::string_view url) {
  // postgresql://user:password@host/db: the password is between the first ':'
  // of the authority and its last '@'. libpq reads the credentials up to the
  // first '/' (a '?' may be part of the password), so the authority ends
  // there: hiding too much is harmless, showing a password is not.
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t start = scheme + 3;
  const size_t end = url.find('/', start);
  const std::string_view authority = url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  const size_t at = authority.rfind('@');
  const size_t colon = authority.find(':');
  std::string out(url);
  if (at != std::string_view::npos && colon != std::string_view::npos && colon < at)
    out.replace(start + colon + 1, at - colon - 1, "***");
  // libpq also takes the password as a query parameter, possibly repeated.
  for (size_t q = out.find('?'); q != std::string::npos; q = out.find('&', q + 1)) {
    const size_t value = q + 1 + std::string_view("password=").size();
    if (out.compare(q + 1, value - q - 1, "password=") != 0) continue;
    const size_t stop = out.find('&', value);
    out.replace(value, (stop == std::string::npos ? out.size() : stop) - value, "***");
  }
  return out;
}

}  // namespace dagrun
