#include "exec/docker/env_file.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace dagrun {
namespace {

// Lead bytes and continuation bytes only; the daemon checks the rest.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    if (extra > 3 || s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

EnvList parse_env_file(std::string_view text, std::string_view name, const EnvLookup& engine_env) {
  EnvList out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto where = [&] { return std::string(name) + ":" + std::to_string(line_no) + ": "; };
    if (!valid_utf8(line)) throw DockerConfigError(where() + "the line is not valid UTF-8");
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;

    auto eq = line.find('=');
    std::string_view key = line.substr(0, eq);
    for (char c : key)
      if (is_blank(c)) throw DockerConfigError(where() + "variable '" + std::string(key) + "' contains whitespace");
    if (key.empty()) throw DockerConfigError(where() + "no variable name before '='");
    if (eq != std::string_view::npos) {
      out.emplace_back(std::string(key), std::string(line.substr(eq + 1)));
    } else if (auto value = engine_env(std::string(key))) {
      out.emplace_back(std::string(key), *value);
    }
  }
  return out;
}

EnvList read_env_file(const std::filesystem::path& path, const EnvLookup& engine_env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DockerConfigError("cannot read env_file " + path.string() + ": " +
                            std::error_code(errno, std::generic_category()).message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_env_file(text.str(), path.string(), engine_env);
}

}  // namespace dagrun
