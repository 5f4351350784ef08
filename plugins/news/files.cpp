#include "files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "stage_error.h"

namespace dagrun::news {
namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string errno_text(int err) { return std::strerror(err); }

std::optional<std::string> read_file(const std::filesystem::path& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw StageError("cannot read " + path.string() + ": " + errno_text(errno));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw StageError("cannot read " + path.string() + ": " + errno_text(errno));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path temp = path;
  // pid and a counter: two in_process tries in one engine never share a name.
  static std::atomic<unsigned> counter{0};
  temp += std::string(kTempMarker) + std::to_string(::getpid()) + '.' + std::to_string(++counter);
  auto fail = [&](const std::string& what) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw StageError("cannot write " + path.string() + ": " + what + ": " + errno_text(err));
  };
  {
    // The name is predictable and the directory may be writable by others (a
    // DAG's containers write below its data directory): a link planted under
    // it must not make us truncate and fill the file it points to. A leftover
    // of a dead process with the same pid goes first; one that reappears fails.
    ::unlink(temp.c_str());
    Fd f{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)};
    if (f.fd < 0) fail("open");
    for (size_t done = 0; done < content.size();) {
      const ssize_t n = ::write(f.fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("write");
      done += static_cast<size_t>(n);
    }
    if (::fsync(f.fd) != 0) fail("fsync");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename");
  // The rename is durable only once the directory is synced; a failure here is
  // not worth failing the stage for.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

}  // namespace dagrun::news
