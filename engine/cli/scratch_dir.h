// A directory of our own, made new under a parent and removed with everything
// in it when the object goes, together with the parent directories it had to
// make (when they are empty by then): `dagrun test` leaves no trace of its
// try's data and log in the home.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dagrun::cli {

class ScratchDir {
 public:
  // parent/PREFIXXXXXXX, made with mkdtemp (mode 0700). Throws std::runtime_error.
  ScratchDir(const std::filesystem::path& parent, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::vector<std::filesystem::path> made_parents_;  // innermost first
};

}  // namespace dagrun::cli
