// Keeps the Naver client id and secret and the Slack webhook's path out of
// every log line, error, XCom value and history row the stages produce.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dagrun::news {

// "https://hooks.slack.com/services/T***": scheme, host and first path segment
// kept, then the first character of the rest; the query is dropped. A URL
// without a path is returned unchanged.
std::string mask_url(std::string_view url);

class SecretMasker {
 public:
  // Every occurrence of secret (and of its percent-encoded form) becomes
  // "***". Empty secrets are ignored.
  void add_secret(std::string_view secret);

  // A URL whose path and query are secret (the webhook): the URL itself
  // becomes mask_url(url), and its path alone becomes "/***".
  void add_secret_url(std::string_view url);

  std::string mask(std::string_view text) const;

 private:
  struct Rule {
    std::string secret, replacement;
  };
  void add(std::string secret, std::string replacement);
  std::vector<Rule> rules_;  // longest secret first, so a URL wins over its path
};

}  // namespace dagrun::news
