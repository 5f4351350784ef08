#include "sched/dag_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>

namespace dagrun {

DagWatch::DagWatch(const std::filesystem::path& dir) {
  fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  // Editors replace files by renaming a temporary one over them: MOVED_TO
  // covers that; CLOSE_WRITE a file written in place.
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
  if (::inotify_add_watch(fd_.get(), dir.c_str(), mask) < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot watch " + dir.string());
  }
}

bool DagWatch::drain() {
  alignas(inotify_event) char buf[4096];
  bool relevant = false;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return relevant;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      std::string_view name = e->len ? std::string_view(e->name) : std::string_view();
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") relevant = true;
      p += sizeof(inotify_event) + e->len;
    }
  }
}

}  // namespace dagrun
