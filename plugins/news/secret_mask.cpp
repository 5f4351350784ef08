#include "secret_mask.h"

#include <algorithm>

#include "url.h"

namespace dagrun::news {

std::string mask_url(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t path = url.find_first_of("/?#", host_start);
  if (path == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, path));
  std::string_view rest = url.substr(path);
  if (rest.front() == '/') {
    // Keep "/services" (or whatever the first segment is) when more follows it.
    const size_t second = rest.find('/', 1);
    if (second != std::string_view::npos && second + 1 < rest.size()) {
      out += rest.substr(0, second + 1);
      rest = rest.substr(second + 1);
    } else {
      out += '/';
      rest = rest.substr(1);
    }
  }
  if (!rest.empty() && rest.front() != '?' && rest.front() != '#') out += rest.front();
  return out + "***";
}

void SecretMasker::add(std::string secret, std::string replacement) {
  if (secret.empty()) return;
  for (const Rule& r : rules_) {
    if (r.secret == secret) return;
  }
  rules_.push_back({std::move(secret), std::move(replacement)});
  std::stable_sort(rules_.begin(), rules_.end(),
                   [](const Rule& a, const Rule& b) { return a.secret.size() > b.secret.size(); });
}

void SecretMasker::add_secret(std::string_view secret) {
  add(std::string(secret), "***");
  const std::string encoded = url_encode(secret);
  if (encoded != secret) add(encoded, "***");
}

void SecretMasker::add_secret_url(std::string_view url) {
  add(std::string(url), mask_url(url));
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (path != std::string_view::npos && path + 1 < url.size()) add(std::string(url.substr(path)), "/***");
}

std::string SecretMasker::mask(std::string_view text) const {
  std::string out(text);
  for (const Rule& r : rules_) {
    for (size_t pos = out.find(r.secret); pos != std::string::npos; pos = out.find(r.secret, pos)) {
      out.replace(pos, r.secret.size(), r.replacement);
      pos += r.replacement.size();
    }
  }
  return out;
}

}  // namespace dagrun::news
