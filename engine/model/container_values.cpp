#include "model/container_values.h"

#include <algorithm>
#include <cctype>

namespace dagrun {

std::string_view to_string(MountType t) {
  switch (t) {
    case MountType::bind: return "bind";
    case MountType::volume: return "volume";
    case MountType::tmpfs: return "tmpfs";
  }
  return "bind";
}

std::string_view to_string(AutoRemove a) {
  switch (a) {
    case AutoRemove::never: return "never";
    case AutoRemove::success: return "success";
    case AutoRemove::force: return "force";
  }
  return "never";
}

std::optional<MountType> parse_mount_type(std::string_view text) {
  for (MountType t : {MountType::bind, MountType::volume, MountType::tmpfs})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

std::optional<AutoRemove> parse_auto_remove(std::string_view text) {
  for (AutoRemove a : {AutoRemove::never, AutoRemove::success, AutoRemove::force})
    if (to_string(a) == text) return a;
  return std::nullopt;
}

std::string normalise_capability(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (out.starts_with("CAP_")) out.erase(0, 4);
  return out;
}

const std::vector<std::string_view>& linux_capabilities() {
  // clang-format off
  static const std::vector<std::string_view> caps{
      "CHOWN",           "DAC_OVERRIDE",  "DAC_READ_SEARCH", "FOWNER",       "FSETID",
      "KILL",            "SETGID",        "SETUID",          "SETPCAP",      "LINUX_IMMUTABLE",
      "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",      "NET_RAW",      "IPC_LOCK",
      "IPC_OWNER",       "SYS_MODULE",    "SYS_RAWIO",       "SYS_CHROOT",   "SYS_PTRACE",
      "SYS_PACCT",       "SYS_ADMIN",     "SYS_BOOT",        "SYS_NICE",     "SYS_RESOURCE",
      "SYS_TIME",        "SYS_TTY_CONFIG", "MKNOD",          "LEASE",        "AUDIT_WRITE",
      "AUDIT_CONTROL",   "SETFCAP",       "MAC_OVERRIDE",    "MAC_ADMIN",    "SYSLOG",
      "WAKE_ALARM",      "BLOCK_SUSPEND", "AUDIT_READ",      "PERFMON",      "BPF",
      "CHECKPOINT_RESTORE"};
  // clang-format on
  return caps;
}

std::string_view url_scheme(std::string_view url) {
  auto sep = url.find("://");
  return sep == std::string_view::npos ? std::string_view() : url.substr(0, sep);
}

namespace {

std::optional<std::string> fail(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return std::nullopt;
}

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  int n = std::stoi(std::string(p));
  return n >= 1 && n <= 65535;
}

bool valid_host(std::string_view h) {
  if (h.empty()) return false;
  if (h.front() == '[') {  // an IPv6 address
    return h.size() > 2 && h.back() == ']' && std::all_of(h.begin() + 1, h.end() - 1, [](char c) {
             return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
           });
  }
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

std::optional<std::string> normalise_docker_url(std::string_view url, std::string* why) {
  constexpr std::string_view kExpected = "expected unix:///PATH or tcp://HOST:PORT";
  std::string_view scheme = url_scheme(url);
  if (scheme.empty()) return fail(why, std::string(kExpected));
  std::string_view rest = url.substr(scheme.size() + 3);
  if (scheme == "unix") {
    if (rest.empty()) return fail(why, "no socket path; " + std::string(kExpected));
    // unix://var/run/docker.sock, as the DockerOperator examples write it, names
    // /var/run/docker.sock: there is no host part in a unix URL.
    return "unix://" + std::string(rest.front() == '/' ? "" : "/") + std::string(rest);
  }
  if (scheme == "tcp") {
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || (rest.front() == '[' && rest.find(']') > colon))
      return fail(why, "no port; " + std::string(kExpected));
    std::string_view host = rest.substr(0, colon);
    std::string_view port = rest.substr(colon + 1);
    if (!valid_host(host))
      return fail(why, "invalid host '" + std::string(host) + "'; " + std::string(kExpected));
    if (!valid_port(port))
      return fail(why, "invalid port '" + std::string(port) + "'; " + std::string(kExpected));
    return "tcp://" + std::string(host) + ":" + std::string(port);
  }
  return std::string(url);
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) { return is_name_start(c) || c == '_' || c == '.' || c == '-'; }

bool is_volume_name(std::string_view name) {
  return !name.empty() && is_name_start(name.front()) &&
         std::all_of(name.begin() + 1, name.end(), is_name_char);
}

}  // namespace dagrun
