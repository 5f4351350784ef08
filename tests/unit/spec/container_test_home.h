// Shared by the container policy tests: a throw-away dagrun home on the real
// file system, and diagnostics printed with that home shown as HOME so the
// expected lines do not depend on where the home was created.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "policy/container_policy.h"
#include "spec/loader.h"

namespace dagrun::test {

class TempHome {
 public:
  TempHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dagrun-policy-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    // The temporary directory may itself be reached through a link: messages show resolved paths.
    path_ = std::filesystem::canonical(pattern);
  }
  ~TempHome() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

  void mkdir(const std::string& rel) const { std::filesystem::create_directories(path_ / rel); }
  void write(const std::string& rel, const std::string& text = "") const {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }
  void link(const std::string& rel, const std::filesystem::path& target) const {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::filesystem::create_symlink(target, path_ / rel);
  }

  // Every occurrence of the home's path replaced by "HOME".
  std::string shown(std::string text) const {
    const std::string home = path_.string();
    for (size_t at = text.find(home); at != std::string::npos; at = text.find(home, at))
      text.replace(at, home.size(), "HOME");
    return text;
  }

  // The diagnostics of a DAG text loaded against this home, one line each.
  std::string errors(std::string_view dag_text, const ContainerPolicy* policy = nullptr) const {
    LoadOptions options;
    options.home = path_;
    options.policy = policy;
    LoadResult r = load_dag_text(dag_text, "t.json", options);
    std::string out;
    for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
    return shown(out);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace dagrun::test
