#include "store/sqlite_connection.h"

#include <spdlog/spdlog.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>
#include <utility>

#include "store/store_error.h"

namespace dagrun {
namespace {

void sleep_for(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

}  // namespace

bool is_busy(const SQLite::Exception& e) {
  return (e.getErrorCode() & 0xff) == SQLITE_BUSY ||
         (e.getExtendedErrorCode() & 0xff) == SQLITE_BUSY;
}

Connection::Connection(std::string path, SqliteOptions options, Mode mode)
    : path_(std::move(path)), options_(std::move(options)) {
  if (!options_.pause_before_retry) options_.pause_before_retry = sleep_for;
  if (options_.attempts < 1) options_.attempts = 1;
  try {
    // The history lives in the dagrun home, which may not exist before the first run.
    auto parent = std::filesystem::path(path_).parent_path();
    if (mode == Mode::read_write && !parent.empty()) std::filesystem::create_directories(parent);
    // NOMUTEX: every connection is guarded by its owner's mutex already.
    db_ = std::make_unique<SQLite::Database>(
        path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
        static_cast<int>(options_.busy_timeout.count()));
  } catch (const std::exception& e) {
    throw StoreError(path_ + ": cannot open history database: " + e.what());
  }
  run("cannot open history database", false, [&] {
    if (mode == Mode::read_write) {
      // WAL lets readers (the CLI) work while a run writes; the mode is stored
      // in the file, so setting it again on later opens costs nothing.
      SQLite::Statement wal(*db_, "PRAGMA journal_mode=WAL");
      if (wal.executeStep() && wal.getColumn(0).getString() != "wal")
        spdlog::warn("{}: history database is not in WAL mode ({}); readers may wait for writers",
                     path_, wal.getColumn(0).getString());
    }
    // NORMAL is durable across application crashes in WAL mode; only a power
    // loss can drop the last commits, which is acceptable for run history.
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->exec("PRAGMA foreign_keys=ON");
    if (mode == Mode::query_only) db_->exec("PRAGMA query_only=ON");
    // Reading the schema fails here, with the file named, when it is not a database.
    db_->execAndGet("PRAGMA user_version");
  });
}

StatementLease Connection::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  return StatementLease(*it->second);
}

void Connection::write(std::string_view what, const std::function<void()>& body) {
  run(what, true, body);
}

void Connection::read(std::string_view what, const std::function<void()>& body) {
  run(what, false, body);
}

void Connection::run(std::string_view what, bool transaction, const std::function<void()>& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      if (transaction) {
        // IMMEDIATE takes the write lock up front: a deferred transaction that
        // upgrades from read to write gets SQLITE_BUSY at once, without
        // waiting. Leaving the scope uncommitted (a throw) rolls it back.
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        body();
        tx.commit();
      } else {
        body();
      }
      return;
    } catch (const SQLite::Exception& e) {
      if (is_busy(e) && attempt < options_.attempts) {
        auto pause = std::chrono::milliseconds(100 * attempt);
        spdlog::warn("{}: {}: {} after waiting {} ms; trying again ({} of {})", path_, what,
                     e.what(), options_.busy_timeout.count(), attempt + 1, options_.attempts);
        options_.pause_before_retry(pause);
        continue;
      }
      std::string message = path_ + ": " + std::string(what) + ": " + e.what();
      if (is_busy(e))
        message += " (still busy after " + std::to_string(options_.attempts) + " attempts of " +
                   std::to_string(options_.busy_timeout.count()) + " ms)";
      throw StoreError(message);
    }
  }
}

}  // namespace dagrun
