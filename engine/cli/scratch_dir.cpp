#include "cli/scratch_dir.h"

#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace dagrun::cli {

ScratchDir::ScratchDir(const std::filesystem::path& parent, const std::string& prefix) {
  for (std::filesystem::path p = parent; !p.empty() && !std::filesystem::exists(p); p = p.parent_path()) {
    made_parents_.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string dir = (parent / (prefix + "XXXXXX")).string();
  if (ec || !mkdtemp(dir.data())) {
    for (const auto& p : made_parents_) std::filesystem::remove(p, ec);
    throw std::runtime_error("cannot make a directory in " + parent.string() +
                             (ec ? ": " + ec.message() : std::string()));
  }
  path_ = dir;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  // Only an empty directory is removed: another process may have put something there meanwhile.
  for (const auto& p : made_parents_) std::filesystem::remove(p, ec);
}

}  // namespace dagrun::cli
