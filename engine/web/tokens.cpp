#include "web/tokens.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "model/ids.h"

namespace dagrun::web {
namespace {

constexpr std::size_t kMinTokenLength = 16;
constexpr std::size_t kMaxTokenLength = 4096;

// RFC 6750's b64token: what may follow "Bearer ".
bool is_token68(std::string_view t) {
  for (char c : t) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return !t.empty();
}

bool same_bytes(std::string_view a, std::string_view b) {
  // Both are hex digests of one length; every byte is looked at.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Tokens Tokens::load(const std::filesystem::path& file) {
  const std::string name = file.string();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error(name + ": cannot read the token file");
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error(name + ": other users may read this token file; chmod 600 it");
  std::ifstream in(file);
  if (!in) throw std::runtime_error(name + ": cannot read the token file");
  Tokens out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = name + ":" + std::to_string(number) + ": ";
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string role, token, extra;
    if (!(words >> role)) continue;
    if (!(words >> token) || (words >> extra))
      throw std::runtime_error(where + "expected 'ROLE TOKEN' (role read or operate)");
    Entry e;
    if (role == "read") e.role = Role::read;
    else if (role == "operate") e.role = Role::operate;
    else throw std::runtime_error(where + "unknown role '" + role + "'; roles are read and operate");
    if (token.size() < kMinTokenLength || token.size() > kMaxTokenLength || !is_token68(token))
      throw std::runtime_error(where + "a token must be 16 to 4096 characters of A-Z a-z 0-9 - . _ ~ + / =");
    e.digest = sha256_hex(token);
    for (const Entry& known : out.entries_)
      if (known.digest == e.digest) throw std::runtime_error(where + "this token is already listed");
    out.entries_.push_back(std::move(e));
  }
  if (out.entries_.empty()) throw std::runtime_error(name + ": no token; add a line 'operate TOKEN'");
  return out;
}

std::optional<Role> Tokens::role_of(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || authorization.size() > scheme.size() + kMaxTokenLength)
    return std::nullopt;
  // The scheme is case-insensitive (RFC 9110 11.1).
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return std::nullopt;
  const std::string digest = sha256_hex(authorization.substr(scheme.size()));
  std::optional<Role> found;
  for (const Entry& e : entries_)
    if (same_bytes(e.digest, digest)) found = e.role;
  return found;
}

}  // namespace dagrun::web
