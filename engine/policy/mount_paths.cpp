#include "policy/mount_paths.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <system_error>

namespace dagrun {
namespace fs = std::filesystem;

namespace {

// Linux's own limit on links followed in one lookup.
constexpr int kMaxLinks = 40;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool named_like_socket(const fs::path& p, std::string_view daemon) {
  std::string name = lower(p.filename().string());
  return name.size() > 5 && name.ends_with(".sock") && name.find(daemon) != std::string::npos;
}

fs::path absolute_against(const fs::path& p, const fs::path& base) {
  if (p.is_absolute()) return p;
  if (base.empty()) return fs::current_path() / p;
  return base.is_absolute() ? base / p : fs::current_path() / base / p;
}

}  // namespace

fs::path lexical_host_path(const fs::path& p, const fs::path& base) {
  fs::path out = absolute_against(p, base).lexically_normal();
  // "/a/b/" normalises to "/a/b/": drop the empty last component.
  if (out.has_relative_path() && out.filename().empty()) out = out.parent_path();
  return out;
}

namespace {

// The root path lies in, or nullptr.
const fs::path* root_of(const fs::path& path, const std::vector<fs::path>& roots) {
  for (const fs::path& root : roots)
    if (path_within(path, root)) return &root;
  return nullptr;
}

// One walk for both resolutions: with roots, a link inside any of them stops
// it; without, every link is followed.
std::optional<fs::path> walk_host_path(const fs::path& p, const fs::path& base,
                                       const std::vector<fs::path>* roots, std::string* why) {
  const fs::path start = absolute_against(p, base).relative_path();
  std::deque<fs::path> todo(start.begin(), start.end());
  fs::path out = "/";
  int links = 0;
  while (!todo.empty()) {
    fs::path part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      out = out.parent_path();
      continue;
    }
    fs::path next = out / part;
    std::error_code ec;
    fs::file_status st = fs::symlink_status(next, ec);
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
        out = std::move(next);  // not there yet: what follows is lexical
        continue;
      }
      if (why) *why = "cannot examine " + next.string() + ": " + ec.message();
      return std::nullopt;
    }
    if (!fs::is_symlink(st)) {
      out = std::move(next);
      continue;
    }
    if (roots) {
      if (const fs::path* root = root_of(next, *roots)) {
        if (why)
          *why = "runs through the symbolic link " + next.string() + " inside the mount root " +
                 root->string() + "; links inside mount roots are never followed";
        return std::nullopt;
      }
    }
    if (++links > kMaxLinks) {
      if (why) *why = "too many levels of symbolic links at " + next.string();
      return std::nullopt;
    }
    fs::path target = fs::read_symlink(next, ec);
    if (ec) {
      if (why) *why = "cannot read the link " + next.string() + ": " + ec.message();
      return std::nullopt;
    }
    if (target.is_absolute()) out = "/";
    const fs::path rest = target.relative_path();
    todo.insert(todo.begin(), rest.begin(), rest.end());
  }
  return out;
}

}  // namespace

std::optional<fs::path> resolve_host_path(const fs::path& p, const fs::path& base,
                                          std::string* why) {
  return walk_host_path(p, base, nullptr, why);
}

std::optional<fs::path> confined_host_path(const fs::path& p, const fs::path& base,
                                           const std::vector<fs::path>& roots, std::string* why) {
  return walk_host_path(p, base, &roots, why);
}

bool path_within(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator on the root
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

const std::vector<fs::path>& never_mounted_paths() {
  static const std::vector<fs::path> paths{
      "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/lib/docker", "/run/containerd",
      "/var/run/docker.sock",
      // /var/run is a link to /run on current systems: the same places by their real names.
      "/var/run/containerd", "/run/docker.sock"};
  return paths;
}

namespace {

std::optional<std::string> refusal(const fs::path& path, bool containing) {
  if (path == "/") return "is the host's root directory, which is never mounted";
  for (const fs::path& refused : never_mounted_paths()) {
    if (path == refused) return "is never mounted";
    if (path_within(path, refused))
      return "is under " + refused.string() + ", which is never mounted";
    if (containing && path_within(refused, path))
      return "contains " + refused.string() + ", which is never mounted";
  }
  if (named_like_socket(path, "docker"))
    return "is named like a Docker socket, which is never mounted";
  if (named_like_socket(path, "containerd"))
    return "is named like a containerd socket, which is never mounted";
  std::error_code ec;
  if (fs::is_socket(fs::status(path, ec))) return "is a socket, which is never mounted";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> never_mounted_reason(const fs::path& path) {
  return refusal(path, true);
}

std::optional<std::string> never_a_root_reason(const fs::path& path) {
  return refusal(path, false);
}

}  // namespace dagrun
