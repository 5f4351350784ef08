#include "app/history_location.h"

#include "store/change_journal.h"
#include "store/db_url.h"

namespace dagrun::app {

std::string history_name(const EnginePaths& paths) {
  return paths.db_url.empty() ? paths.db.string() : redact_db_url(paths.db_url);
}

std::filesystem::path journal_dir(const EnginePaths& paths) {
  return paths.db_url.empty() ? journal_dir_for(paths.db) : paths.root / "journals";
}

std::string wake_address(const EnginePaths& paths) {
  return paths.db_url.empty() ? paths.db.string() : (paths.root / "run").string();
}

}  // namespace dagrun::app
