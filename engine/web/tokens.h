// Bearer tokens for `dagrun serve --auth FILE`: who may read the API and who
// may also act on it. The file holds one "ROLE TOKEN" per line (role read or
// operate; '#' starts a comment) and must be readable by its owner only, as
// an SSH key must.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun::web {

enum class Role { read, operate };

class Tokens {
 public:
  // Throws std::runtime_error naming the file and line of anything wrong: a
  // file others may read, an unknown role, a token shorter than 16 characters
  // or with characters outside RFC 6750's token68, a repeated token, no token.
  static Tokens load(const std::filesystem::path& file);

  // The role of the token in an Authorization header ("Bearer TOKEN"), or
  // nullopt. Every known token is compared, in constant time, whatever
  // matches: the time taken says nothing about which bytes were right.
  std::optional<Role> role_of(std::string_view authorization) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digest;  // SHA-256 of the token: compared at equal length
    Role role;
  };
  std::vector<Entry> entries_;
};

}  // namespace dagrun::web
