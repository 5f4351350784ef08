#include "exec/docker/env_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "base/unique_fd.h"

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

    // Messages never quote the line: a line without '=' may be a bare secret,
    // and what stands before '=' may be one pasted on the wrong line.
    auto eq = line.find('=');
    std::string_view key = line.substr(0, eq);
    for (char c : key)
      if (is_blank(c))
        throw DockerConfigError(where() + (eq == std::string_view::npos
                                               ? "expected KEY=VALUE or a bare KEY; the line has whitespace and no '='"
                                               : "the variable name before '=' contains whitespace"));
    if (key.empty()) throw DockerConfigError(where() + "no variable name before '='");
    if (eq != std::string_view::npos) {
      out.emplace_back(std::string(key), std::string(line.substr(eq + 1)));
    } else if (auto value = engine_env(std::string(key))) {
      out.emplace_back(std::string(key), *value);
    }
  }
  return out;
}

namespace {


// Env files are small; a larger one is a mistake (or /dev/zero behind a link).
constexpr off_t kMaxEnvFileBytes = 1 << 20;

[[noreturn]] void cannot_read(const std::filesystem::path& path, const std::string& why) {
  throw DockerConfigError("cannot read env_file " + path.string() + ": " + why);
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

EnvList read_env_file(const std::filesystem::path& path, const EnvLookup& engine_env) {
  if (!path.is_absolute()) cannot_read(path, "not an absolute path");
  // One component at a time from /, none of them a link: what was approved is
  // what is read, even if a link was swapped in since.
  UniqueFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) cannot_read(path, errno_text(errno));
  std::vector<std::string> parts;
  for (const auto& part : path.relative_path())
    if (!part.empty() && part != ".") parts.push_back(part.string());
  if (parts.empty()) cannot_read(path, "not a file");
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "..") cannot_read(path, "the path contains '..'");
    int next = ::openat(dir.get(), parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      const int err = errno;
      cannot_read(path, err == ENOTDIR || err == ELOOP ? parts[i] + " is a symbolic link or not a directory"
                                                       : errno_text(err));
    }
    dir.reset(next);
  }
  UniqueFd file(::openat(dir.get(), parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!file.valid()) {
    const int err = errno;
    cannot_read(path, err == ELOOP ? "it is a symbolic link, which is never followed" : errno_text(err));
  }
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) cannot_read(path, errno_text(errno));
  if (!S_ISREG(st.st_mode)) cannot_read(path, "not a regular file");
  if (st.st_size > kMaxEnvFileBytes) cannot_read(path, "larger than 1MiB");
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(file.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) cannot_read(path, errno_text(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxEnvFileBytes)) cannot_read(path, "larger than 1MiB");
  }
  return parse_env_file(text, path.string(), engine_env);
}

}  // namespace dagrun
