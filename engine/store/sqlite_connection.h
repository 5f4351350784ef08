// One SQLite connection to the history file, configured the way every user of
// the history needs it (WAL, synchronous=NORMAL, foreign keys, busy timeout),
// with cached prepared statements and transactions that survive contention.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dagrun {

struct SqliteOptions {
  // How long one statement waits for a lock held by another connection.
  std::chrono::milliseconds busy_timeout{5000};
  // A transaction still refused after busy_timeout is run again from the start,
  // up to this many times in all.
  int attempts = 4;
  // Called before each repeat, with the pause to take; sleeps by default.
  std::function<void(std::chrono::milliseconds)> pause_before_retry;
};

// Resets a cached statement when the borrower is done with it, so a statement
// never keeps a read snapshot open between calls (which would stop WAL
// checkpoints and show stale data).
class StatementLease {
 public:
  explicit StatementLease(SQLite::Statement& s) : stmt_(s) {}
  ~StatementLease() { stmt_.tryReset(); }
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  SQLite::Statement* operator->() { return &stmt_; }
  SQLite::Statement& operator*() { return stmt_; }

 private:
  SQLite::Statement& stmt_;
};

class Connection {
 public:
  enum class Mode { read_write, query_only };

  // Opens (creating if missing) the database at path. Throws StoreError
  // naming the file when it cannot be opened or is not an SQLite database.
  Connection(std::string path, SqliteOptions options, Mode mode);

  const std::string& path() const { return path_; }
  SQLite::Database& db() { return *db_; }

  // The prepared statement for sql, compiled on first use.
  StatementLease statement(const std::string& sql);

  // Runs body inside BEGIN IMMEDIATE ... COMMIT. When SQLite still reports the
  // database busy after the busy timeout, the whole transaction is rolled back
  // and run again (body must therefore be repeatable); other SQLite errors
  // become StoreError "<file>: <what>: <sqlite message>". A StoreError thrown
  // by body rolls back and passes through unchanged.
  void write(std::string_view what, const std::function<void()>& body);

  // Runs body (a group of SELECTs) with the same retry rule, no transaction.
  void read(std::string_view what, const std::function<void()>& body);

 private:
  void run(std::string_view what, bool transaction, const std::function<void()>& body);

  std::string path_;
  SqliteOptions options_;
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

// True for SQLITE_BUSY and its extended codes: another connection holds the lock.
bool is_busy(const SQLite::Exception& e);

}  // namespace dagrun
