#include "base/dir_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>
#include <utility>

namespace dagrun {

DirWatch::DirWatch(const std::filesystem::path& dir, Changes changes,
                   std::function<bool(std::string_view)> relevant)
    : relevant_(std::move(relevant)) {
  fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  // Editors replace files by renaming a temporary one over them: MOVED_TO
  // covers that; CLOSE_WRITE a file written in place.
  std::uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
  if (changes == Changes::every_write) mask |= IN_MODIFY;
  if (::inotify_add_watch(fd_.get(), dir.c_str(), mask) < 0)
    throw std::system_error(errno, std::generic_category(), "cannot watch " + dir.string());
}

bool DirWatch::drain() {
  alignas(inotify_event) char buf[4096];
  bool relevant = false;
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return relevant;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      const std::string_view name = e->len ? std::string_view(e->name) : std::string_view();
      if (!relevant && relevant_(name)) relevant = true;
      p += sizeof(inotify_event) + e->len;
    }
  }
}

}  // namespace dagrun
