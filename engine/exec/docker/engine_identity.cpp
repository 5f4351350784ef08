#include "exec/docker/engine_identity.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <sstream>

namespace dagrun {

std::optional<std::uint64_t> parse_stat_start_time(const std::string& stat) {
  // Fields after the command name start at field 3 (state); the start time is field 22.
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; i < 22; ++i)
    if (!(rest >> field)) return std::nullopt;
  std::uint64_t start = 0;
  if (!(rest >> start)) return std::nullopt;
  return start;
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];  // the whole line: the command name is at most 64 bytes
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return parse_stat_start_time(std::string(buf, static_cast<size_t>(n)));
}

const EngineIdentity& current_engine() {
  static const EngineIdentity self = [] {
    EngineIdentity id;
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) == 0) id.host = name;
    id.pid = ::getpid();
    id.start = process_start_time(id.pid).value_or(0);
    return id;
  }();
  return self;
}

bool engine_alive(const EngineIdentity& identity) {
  if (identity.host != current_engine().host) return true;
  auto start = process_start_time(identity.pid);
  return start && *start == identity.start;
}

}  // namespace dagrun
