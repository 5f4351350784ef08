#include "stage_cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <nlohmann/json.hpp>

#include "csv_file.h"
#include "dir_lock.h"
#include "files.h"
#include "seen_store.h"
#include "stage_error.h"

namespace dagrun::news {
namespace {

using namespace std::chrono;

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

OwnFile classify_own_file(std::string_view name) {
  if (is_csv_file_name(name)) return OwnFile::csv;
  // "<own file>.tmp-<pid>.<n>", as write_file_atomic names them.
  const size_t marker = name.find(kTempMarker);
  if (marker == std::string_view::npos) return OwnFile::none;
  const std::string_view base = name.substr(0, marker);
  const std::string_view tail = name.substr(marker + kTempMarker.size());
  const size_t dot = tail.find('.');
  if (dot == std::string_view::npos || !all_digits(tail.substr(0, dot)) || !all_digits(tail.substr(dot + 1)))
    return OwnFile::none;
  return (is_csv_file_name(base) || base == kSeenFile) ? OwnFile::leftover : OwnFile::none;
}

void cleanup(const NewsConfig& config, StageIo& io) {
  const std::filesystem::path dir = config.news_data_dir();
  const int retention = config.get_int("NEWS_RETENTION_DAYS", 7, 1, 3650);
  const SysTime now = io.now();
  nlohmann::json removed = nlohmann::json::array();

  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0 && errno == ENOENT) {
    io.host.info(dir.string() + " does not exist yet: nothing to clean");
    io.host.xcom_push("summary", nlohmann::json{{"removed", removed}, {"pruned_seen", 0}}.dump());
    return;
  }
  if (dir_fd < 0 && (errno == ELOOP || errno == ENOTDIR))
    throw config_error("NEWS_DATA_DIR " + dir.string() +
                       " is a symbolic link or not a directory; cleanup deletes only inside a real directory");
  if (dir_fd < 0) throw StageError("cannot open NEWS_DATA_DIR " + dir.string() + ": " + errno_text(errno));
  std::unique_ptr<DIR, DirCloser> listing(::fdopendir(dir_fd));
  if (!listing) {
    const int err = errno;
    ::close(dir_fd);
    throw StageError("cannot list NEWS_DATA_DIR " + dir.string() + ": " + errno_text(err));
  }
  const DirLock lock(dir, io.host);

  const std::int64_t today = kst_days(now);
  const auto cutoff = now - days(retention);
  std::string failures;
  while (const dirent* entry = ::readdir(listing.get())) {
    const std::string name = entry->d_name;
    const OwnFile kind = classify_own_file(name);
    if (kind == OwnFile::none) continue;
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    if (S_ISLNK(st.st_mode)) {
      io.host.warn("refusing to delete " + name + ": it is a symbolic link, not a file of the bot");
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    bool old = false;
    if (kind == OwnFile::csv) {
      std::string stamp;
      is_csv_file_name(name, &stamp);
      old = today - *day_stamp_days(stamp) > retention;
    } else {
      old = system_clock::from_time_t(st.st_mtim.tv_sec) < cutoff;
    }
    if (!old) continue;
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0) {
      failures += (failures.empty() ? "" : "; ") + name + ": " + errno_text(errno);
      continue;
    }
    io.host.info("removed " + (dir / name).string());
    removed.push_back(name);
  }

  SeenStore seen = SeenStore::load(dir);
  const size_t pruned = seen.prune(cutoff);
  if (pruned > 0) seen.save();
  io.host.info("removed " + std::to_string(removed.size()) + " files older than " + std::to_string(retention) +
               " days; pruned " + std::to_string(pruned) + " seen-store entries, " + std::to_string(seen.size()) +
               " kept");
  io.host.xcom_push("summary", nlohmann::json{{"removed", removed}, {"pruned_seen", pruned}}.dump());
  if (!failures.empty()) throw StageError("cannot delete in " + dir.string() + ": " + failures);
}

}  // namespace dagrun::news
