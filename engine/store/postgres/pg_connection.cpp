#include "store/postgres/pg_connection.h"

#include "store/db_url.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace dagrun {

namespace {

// libpq's messages end with a newline; ours are one line.
std::string one_line(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

// The server's notices ("drop cascades to ...") are for a person at psql;
// libpq would print them on stderr, in the middle of a verb's output.
void log_notice(void*, const char* message) { spdlog::debug("PostgreSQL: {}", one_line(message)); }

}  // namespace

void PgRows::Clear::operator()(pg_result* r) const { PQclear(r); }

int PgRows::size() const { return PQntuples(result_.get()); }

int PgRows::columns() const { return PQnfields(result_.get()); }

std::optional<std::string> PgRows::get(int row, int column) const {
  if (row < 0 || row >= size() || column < 0 || column >= columns())
    throw std::out_of_range("no row " + std::to_string(row) + ", column " + std::to_string(column));
  if (PQgetisnull(result_.get(), row, column)) return std::nullopt;
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

std::string PgRows::text(int row, int column) const {
  std::optional<std::string> v = get(row, column);
  if (!v) throw StoreError("row " + std::to_string(row) + ", column " + std::to_string(column) + " is null");
  return *v;
}

long long PgRows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::stoll(n) : 0;
}

void PgConnection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

PgConnection::PgConnection(const std::string& url) : conn_(PQconnectdb(url.c_str())), where_(redact_db_url(url)) {
  if (!conn_) throw StoreError("PostgreSQL at " + where_ + ": out of memory");
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    throw StoreError("PostgreSQL at " + where_ + ": cannot connect: " + one_line(PQerrorMessage(conn_.get())));
  PQsetNoticeProcessor(conn_.get(), log_notice, nullptr);
}

PgRows PgConnection::exec(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  return check(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                            nullptr, nullptr, 0));
}

void PgConnection::exec_script(const std::string& sql) { check(PQexec(conn_.get(), sql.c_str())); }

PgRows PgConnection::run(const std::string& sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "dagrun_" + std::to_string(prepared_.size() + 1);
    // Parameter types are left to the server, which infers them from where
    // each $n is used, as it does for exec.
    check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0));
}

PgRows PgConnection::check(pg_result* result) {
  PgRows rows(result);
  if (!rows.result_) throw StoreError("PostgreSQL at " + where_ + ": " + one_line(PQerrorMessage(conn_.get())));
  const ExecStatusType status = PQresultStatus(rows.result_.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(rows.result_.get(), PG_DIAG_SQLSTATE);
    throw PgError("PostgreSQL at " + where_, one_line(PQresultErrorMessage(rows.result_.get())), state ? state : "");
  }
  return rows;
}

bool PgConnection::broken() const { return PQstatus(conn_.get()) == CONNECTION_BAD; }

void PgConnection::reset() {
  prepared_.clear();
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    throw StoreError("PostgreSQL at " + where_ + ": cannot connect again: " + one_line(PQerrorMessage(conn_.get())));
}

int PgConnection::server_version() const { return PQserverVersion(conn_.get()); }

int PgConnection::socket() const { return PQsocket(conn_.get()); }

std::vector<std::string> PgConnection::take_notifications() {
  if (!PQconsumeInput(conn_.get()))
    throw StoreError("PostgreSQL at " + where_ + ": " + one_line(PQerrorMessage(conn_.get())));
  std::vector<std::string> out;
  while (PGnotify* n = PQnotifies(conn_.get())) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

}  // namespace dagrun
