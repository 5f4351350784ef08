// NEWS_DATA_DIR/seen.json: the articles Slack accepted, kept for
// NEWS_RETENTION_DAYS so later runs do not send them again. Replaced
// atomically; writers hold the directory lock (dir_lock.h).
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "article.h"
#include "news_time.h"

namespace dagrun::news {

inline constexpr const char* kSeenFile = "seen.json";
inline constexpr int kSeenFileVersion = 1;

class SeenStore {
 public:
  // The store in dir; empty when the file does not exist. Throws StageError
  // for an unreadable or malformed file, or one of another version (no retry:
  // an older plugin must not overwrite a newer store).
  static SeenStore load(const std::filesystem::path& dir);

  // True when the article's link, or its normalised title (title_key), was sent.
  bool contains(const Article& article) const;
  void add(const Article& article, SysTime sent_at);
  // Drops entries sent before cutoff; returns how many.
  size_t prune(SysTime cutoff);
  void save() const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string link;
    std::string title_key;
    std::int64_t sent_at = 0;  // seconds since the epoch
  };
  void index(const Entry& e);
  std::filesystem::path path_;
  std::vector<Entry> entries_;
  std::unordered_set<std::string> links_;
  std::unordered_map<std::string, int> titles_;  // key -> entries holding it
};

}  // namespace dagrun::news
