// cleanup: deletes the bot's own old files from NEWS_DATA_DIR and prunes the
// seen-store.
#pragma once

#include <string>
#include <string_view>

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

// What a file in NEWS_DATA_DIR is to cleanup.
enum class OwnFile {
  none,     // not the bot's: never touched
  csv,      // news_YYYYMMDD.csv: aged by the date in its name (KST)
  leftover  // a temporary file of an interrupted atomic write: aged by mtime
};
OwnFile classify_own_file(std::string_view name);

// Needs NEWS_DATA_DIR; NEWS_RETENTION_DAYS (default 7, 1-3650). Deletes the
// regular files classify_own_file recognises that are more than that many days
// old; never follows a symbolic link (a link in the directory is refused and
// reported, a NEWS_DATA_DIR that is a link fails the stage) and never leaves
// the directory. Drops seen-store entries older than the retention. Pushes
// XCom "summary" {"removed": [names], "pruned_seen": n}.
void cleanup(const NewsConfig& config, StageIo& io);

}  // namespace dagrun::news
