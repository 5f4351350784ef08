// File operations below a root the engine owns (HOME/logs, HOME/data) that
// never follow a symbolic link below that root. A run's data directory is
// mounted read-write into containers, and a DAG may mount more of HOME/data:
// a container can plant a link where the engine will later create, open to
// every user or delete a directory. Each component is opened with
// openat(O_NOFOLLOW | O_DIRECTORY) from its parent's descriptor, so a link is
// refused (or, when deleting, removed itself) and its target is never touched.
// The root itself is the engine's configuration and may be a link.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>

namespace dagrun {

class UnsafeDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates root (as create_directories does) and then each component of
// `relative` below it. Throws UnsafeDirError when a component is a link or
// not a directory, std::system_error when the file system refuses.
void make_dirs_below(const std::filesystem::path& root, const std::filesystem::path& relative);

// Gives root/relative the mode `mode` through a descriptor opened without
// following links below root. Throws as make_dirs_below does.
void chmod_dir_below(const std::filesystem::path& root, const std::filesystem::path& relative, mode_t mode);

// Removes root/relative and everything in it. A link anywhere below root is
// removed itself, never followed; a missing path is not an error. Trees
// deeper than kMaxRemoveDepth are left in place and reported. Returns false
// with `ec` set when something could not be removed.
inline constexpr int kMaxRemoveDepth = 256;
bool remove_below(const std::filesystem::path& root, const std::filesystem::path& relative, std::error_code& ec);

}  // namespace dagrun
