#include "base/process_stat.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>

namespace dagrun {

std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat) {
  // Fields are counted after the command name's closing parenthesis: field 3
  // (the state) comes first, the start time is field 22.
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(paren + 1);
  for (int field = 3; field <= 22; ++field) {
    const auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view value = rest.substr(0, end);
    if (field == 3 && (value == "Z" || value == "X")) return std::nullopt;
    if (field == 22) {
      std::uint64_t start = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), start);
      if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
      return start;
    }
    rest.remove_prefix(end);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];  // the whole line: the command name is at most 64 bytes
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return parse_stat_start_time(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace dagrun
