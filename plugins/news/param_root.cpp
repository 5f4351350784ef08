#include "param_root.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "files.h"
#include "stage_error.h"

namespace dagrun::news {
namespace {

namespace fs = std::filesystem;

// The components of a normal path, without the empty one a trailing '/' leaves.
std::vector<fs::path> components(const fs::path& p) {
  std::vector<fs::path> out;
  for (const fs::path& part : p.lexically_normal())
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

void require_inside_param_root(const std::string& value, const fs::path& resolved, const std::string& source,
                               const fs::path& root) {
  // The engine always gives an absolute path; anything else confines nothing.
  if (!root.is_absolute())
    throw config_error("DAGRUN_PARAM_ROOT '" + root.string() +
                       "' is not an absolute path, so NEWS_DATA_DIR cannot be checked against it");
  std::string named = "NEWS_DATA_DIR '" + value + "' (from " + source;
  if (resolved.string() != value) named += ", resolved to " + resolved.string();
  named += ")";
  const std::string where = " the DAG's data directory " + root.string() + " (DAGRUN_PARAM_ROOT)";

  const std::vector<fs::path> base = components(root), dir = components(resolved);
  if (dir.size() < base.size() || !std::equal(base.begin(), base.end(), dir.begin()))
    throw config_error(named + " is outside" + where +
                       "; in untrusted mode the bot keeps its files only there");

  fs::path at = root;
  for (size_t i = base.size(); i < dir.size(); ++i) {
    at /= dir[i];
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return;  // nothing exists below here to be a link
      throw config_error(named + ": cannot check " + at.string() + ": " + errno_text(errno));
    }
    if (S_ISLNK(st.st_mode))
      throw config_error(named + " runs through the symbolic link " + at.string() + " below" + where +
                         "; the DAG's containers can write there, so in untrusted mode the bot follows no link "
                         "below it");
  }
}

}  // namespace dagrun::news
