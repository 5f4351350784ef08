#include "exec/safe_dir.h"

#include "base/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace dagrun {
namespace {

namespace fs = std::filesystem;


constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

[[noreturn]] void fail(int err, const fs::path& path) {
  // openat(O_NOFOLLOW | O_DIRECTORY) on a link fails with ENOTDIR or ELOOP:
  // look at what is there to say which.
  struct stat st {};
  const bool link = ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  if (link && (err == ELOOP || err == ENOTDIR))
    throw UnsafeDirError(path.string() + " is a symbolic link; refusing to follow it");
  if (err == ELOOP || err == ENOTDIR) throw UnsafeDirError(path.string() + " is not a directory");
  throw std::system_error(err, std::generic_category(), path.string());
}

UniqueFd open_root(const fs::path& root, bool create) {
  const fs::path dir = root.empty() ? fs::path(".") : root;
  if (create) fs::create_directories(dir);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, dir);
  return UniqueFd(fd);
}

// The components of `relative`, each a plain name: an absolute path, "." or
// ".." would leave the root.
std::vector<std::string> components(const fs::path& relative) {
  std::vector<std::string> out;
  if (relative.has_root_path()) throw UnsafeDirError(relative.string() + " is not a relative path");
  for (const fs::path& part : relative) {
    const std::string name = part.string();
    if (name.empty()) continue;  // a trailing '/'
    if (name == "." || name == "..") throw UnsafeDirError(relative.string() + " leaves its root");
    out.push_back(name);
  }
  return out;
}

UniqueFd open_below(const fs::path& root, const fs::path& relative, bool create) {
  UniqueFd dir = open_root(root, create);
  fs::path shown = root;
  for (const std::string& name : components(relative)) {
    shown /= name;
    if (create && ::mkdirat(dir.get(), name.c_str(), 0777) != 0 && errno != EEXIST) fail(errno, shown);
    int fd = ::openat(dir.get(), name.c_str(), kDirFlags);
    if (fd < 0) fail(errno, shown);
    dir = UniqueFd(fd);
  }
  return dir;
}

// Removes `name` in the directory `parent` and, when it is a directory (not
// a link to one), everything in it first.
void remove_at(int parent, const std::string& name, int depth, std::error_code& ec) {
  if (::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR && errno != EPERM) {
    ec.assign(errno, std::generic_category());
    return;
  }
  if (depth >= kMaxRemoveDepth) {
    ec = std::make_error_code(std::errc::directory_not_empty);
    return;
  }
  int fd = ::openat(parent, name.c_str(), kDirFlags);
  if (fd < 0) {
    // Swapped for a link or a file since the unlink: remove that instead.
    if ((errno == ELOOP || errno == ENOTDIR) && ::unlinkat(parent, name.c_str(), 0) == 0) return;
    if (errno != ENOENT) ec.assign(errno, std::generic_category());
    return;
  }
  UniqueFd dir(fd);
  std::vector<std::string> names;
  {
    int listing = ::dup(dir.get());
    DIR* d = listing < 0 ? nullptr : ::fdopendir(listing);
    if (!d) {
      if (listing >= 0) ::close(listing);
      ec.assign(errno, std::generic_category());
      return;
    }
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(d);
  }
  for (const std::string& n : names) remove_at(dir.get(), n, depth + 1, ec);
  if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT && !ec)
    ec.assign(errno, std::generic_category());
}

}  // namespace

void make_dirs_below(const fs::path& root, const fs::path& relative) { open_below(root, relative, true); }

void chmod_dir_below(const fs::path& root, const fs::path& relative, mode_t mode) {
  UniqueFd dir = open_below(root, relative, false);
  if (::fchmod(dir.get(), mode) != 0) fail(errno, root / relative);
}

bool remove_below(const fs::path& root, const fs::path& relative, std::error_code& ec) {
  ec.clear();
  try {
    std::vector<std::string> names = components(relative);
    if (names.empty()) {
      ec = std::make_error_code(std::errc::invalid_argument);  // never the root itself
      return false;
    }
    const std::string last = names.back();
    names.pop_back();
    fs::path parent_rel;
    for (const std::string& n : names) parent_rel /= n;
    std::optional<UniqueFd> parent;
    try {
      parent.emplace(open_below(root, parent_rel, false));
    } catch (const std::system_error& e) {
      if (e.code() == std::errc::no_such_file_or_directory) return true;  // nothing to remove
      ec = e.code();
      return false;
    }
    remove_at(parent->get(), last, 0, ec);
  } catch (const UnsafeDirError&) {
    // A link on the way: what lies behind it is not ours to remove.
    ec = std::make_error_code(std::errc::too_many_symbolic_link_levels);
  }
  return !ec;
}

}  // namespace dagrun
