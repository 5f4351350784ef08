// One libpq connection to PostgreSQL, the history of a dagrun installation that
// spans hosts. The first piece of the PostgreSQL store:
// statements with their values always sent apart from the SQL (PQexecParams),
// results and connections owned by RAII, and errors that name the server and
// the SQLSTATE but never the password of the URL they came from.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store_error.h"

struct pg_conn;
struct pg_result;

namespace dagrun {

// A statement the server refused; sqlstate is its five-character code
// ("40001": serialization failure, "23505": unique violation, ...).
class PgError : public StoreError {
 public:
  PgError(const std::string& where, std::string message, std::string sqlstate)
      : StoreError(where + ": " + message), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The server's message alone ("ERROR: duplicate key value ..."), without
  // the server's name that what() starts with.
  const std::string& message() const { return message_; }

 private:
  std::string message_;
  std::string sqlstate_;
};


// A statement's rows, as text (the server's text format: what every column
// type has). Null is nullopt.
class PgRows {
 public:
  int size() const;
  int columns() const;
  std::optional<std::string> get(int row, int column) const;
  // The value, which must not be null.
  std::string text(int row, int column) const;
  // How many rows an INSERT, UPDATE or DELETE changed.
  long long affected() const;

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(pg_result* r) const;
  };
  explicit PgRows(pg_result* r) : result_(r) {}
  std::unique_ptr<pg_result, Clear> result_;
};

class PgConnection {
 public:
  // Connects, or throws StoreError naming the redacted URL and why.
  explicit PgConnection(const std::string& url);

  using Params = std::vector<std::optional<std::string>>;

  // Runs sql with $1, $2, ... bound to params (nullopt: NULL).
  PgRows exec(std::string_view sql, const Params& params = {});

  // Runs one or more statements without parameters (a migration's script).
  void exec_script(const std::string& sql);

  // As exec, for the store's fixed statements: each distinct sql is
  // prepared once per connection (the server parses and plans it once) and
  // then only executed. sql must be a string that lives as long as the
  // connection (the store's statements are constants).
  PgRows run(const std::string& sql, const Params& params = {});

  // True when the connection to the server is lost (a restarted server, a
  // network cut); reset() then connects again.
  bool broken() const;
  // Connects again with the same URL, forgetting prepared statements (they
  // die with the session). Throws StoreError when the server is still away.
  void reset();

  // The server's version number, e.g. 150013 for 15.13.
  int server_version() const;

  // LISTEN/NOTIFY (store/postgres/pg_notifier.h). The connection's socket,
  // readable when the server sent something; -1 when broken.
  int socket() const;
  // Reads what the socket has and returns the payloads of the notifications
  // received so far, oldest first. Throws StoreError when the connection is
  // lost.
  std::vector<std::string> take_notifications();

 private:
  struct Finish {
    void operator()(pg_conn* c) const;
  };
  PgRows check(pg_result* result);

  std::unique_ptr<pg_conn, Finish> conn_;
  std::string where_;  // the redacted URL, for messages
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

}  // namespace dagrun
