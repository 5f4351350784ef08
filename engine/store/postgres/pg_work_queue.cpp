// The queue of tries for workers (store/work_queue.h) in PostgreSQL. Every
// decision is one statement: a claim locks the oldest queued row with SKIP
// LOCKED (workers never wait on each other), and every renewal, report and
// abandonment names the fence it holds and checks the lease against the
// database's clock, not a host's.
#include "store/postgres/pg_notifier.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

constexpr const char* kKey = "run_id = $1 AND task_id = $2 AND try_number = $3";

// Sent with the change's commit (NOTIFY is transactional): a watcher woken
// by it reads the change.
const std::string kNotify = std::string("SELECT pg_notify('") + PgNotifier::kChannel + "', $1)";

const std::string kEnqueue =
    "INSERT INTO task_dispatch (run_id, task_id, try_number, queue, state, payload)"
    " VALUES ($1, $2, $3, $4, 'queued', $5) ON CONFLICT (run_id, task_id, try_number) DO UPDATE SET"
    " queue = excluded.queue, state = 'queued', payload = excluded.payload, worker = NULL,"
    " lease_until = NULL, cancel = NULL, outcome = NULL, queued_at = now(), claimed_at = NULL";

const std::string kStatus = std::string("SELECT state, coalesce(worker, ''), fence, coalesce(outcome, ''),") +
                            " state = 'claimed' AND lease_until < now() FROM task_dispatch WHERE " + kKey;

const std::string kAbandonExpired = std::string("UPDATE task_dispatch SET state = 'abandoned' WHERE ") + kKey +
                                    " AND fence = $4 AND state = 'claimed' AND lease_until < now()";

const std::string kWithdraw =
    std::string("UPDATE task_dispatch SET state = 'cancelled' WHERE ") + kKey + " AND state = 'queued'";

const std::string kRequestCancel =
    std::string("UPDATE task_dispatch SET cancel = $4 WHERE ") + kKey + " AND state = 'claimed'";

const std::string kAbandonRun =
    "UPDATE task_dispatch SET state = 'abandoned' WHERE run_id = $1 AND state IN ('queued', 'claimed')";

// A try waits while an earlier claim on its task may still be running: one
// taken back by recovery (abandoned) keeps its lease, within which its
// worker, unable to renew, stops it. So a task never runs on two workers at
// once, as long as the workers' clocks tick at the database's rate.
const std::string kClaim =
    "UPDATE task_dispatch SET state = 'claimed', worker = $2, fence = fence + 1,"
    " lease_until = now() + $3::interval, claimed_at = now()"
    " WHERE (run_id, task_id, try_number) = (SELECT q.run_id, q.task_id, q.try_number FROM task_dispatch q"
    " WHERE q.state = 'queued' AND q.queue = ANY ($1::text[]) AND NOT EXISTS (SELECT 1 FROM task_dispatch o"
    " WHERE o.run_id = q.run_id AND o.task_id = q.task_id AND o.try_number <> q.try_number"
    " AND o.state IN ('claimed', 'abandoned') AND o.lease_until >= now())"
    " ORDER BY q.seq LIMIT 1 FOR UPDATE OF q SKIP LOCKED)"
    " RETURNING run_id, task_id, try_number, queue, payload, fence";

const std::string kRenew = std::string("UPDATE task_dispatch SET lease_until = now() + $5::interval WHERE ") + kKey +
                           " AND fence = $4 AND state = 'claimed' AND lease_until >= now()"
                           " RETURNING coalesce(cancel, '')";

const std::string kComplete = std::string("UPDATE task_dispatch SET state = 'done', outcome = $5 WHERE ") + kKey +
                              " AND fence = $4 AND state = 'claimed' AND lease_until >= now()";

const std::string kDeleteLog = std::string("DELETE FROM task_log WHERE ") + kKey;
const std::string kInsertLogPart =
    "INSERT INTO task_log (run_id, task_id, try_number, part, data) VALUES ($1, $2, $3, $4, decode($5, 'hex'))";
const std::string kReadLog = std::string("SELECT encode(data, 'hex') FROM task_log WHERE ") + kKey + " ORDER BY part";
const std::string kReported = std::string("SELECT 1 FROM task_dispatch WHERE state = 'done' AND ") + kKey;
// Rows of at most this many bytes: each is one parameter, sent as hex.
constexpr size_t kLogPart = 1u << 20;

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

void append_from_hex(std::string_view hex, std::string& out) {
  auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1]));
}

PgConnection::Params key_params(const DispatchKey& k) { return {k.run_id, k.task_id, std::to_string(k.try_number)}; }

PgConnection::Params with(PgConnection::Params params, std::initializer_list<Param> more) {
  params.insert(params.end(), more.begin(), more.end());
  return params;
}

std::string interval(std::chrono::milliseconds d) { return std::to_string(d.count()) + " milliseconds"; }

std::optional<DispatchState> parse_dispatch_state(std::string_view s) {
  for (DispatchState d : {DispatchState::queued, DispatchState::claimed, DispatchState::done,
                          DispatchState::abandoned, DispatchState::cancelled})
    if (to_string(d) == s) return d;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(DispatchState s) {
  switch (s) {
    case DispatchState::queued: return "queued";
    case DispatchState::claimed: return "claimed";
    case DispatchState::done: return "done";
    case DispatchState::abandoned: return "abandoned";
    case DispatchState::cancelled: return "cancelled";
  }
  return "unknown";
}

void PgStore::enqueue(const DispatchKey& key, const std::string& queue, const std::string& payload_json) {
  write("cannot queue task '" + key.task_id + "' of run '" + key.run_id + "'",
        [&](PgConnection& c) {
          c.run(kEnqueue, with(key_params(key), {queue, payload_json}));
          c.run(kNotify, {PgNotifier::work_topic(queue)});
        });
}

std::optional<DispatchStatus> PgStore::dispatch_status(const DispatchKey& key) const {
  std::optional<DispatchStatus> out;
  read("cannot read the queued try of task '" + key.task_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kStatus, key_params(key));
    out.reset();
    if (rows.size() == 0) return;
    DispatchStatus s;
    const std::string state = rows.text(0, 0);
    auto parsed = parse_dispatch_state(state);
    if (!parsed) throw StoreError(where() + ": unknown dispatch state '" + state + "'");
    s.state = *parsed;
    s.worker = rows.text(0, 1);
    s.fence = std::stoll(rows.text(0, 2));
    s.outcome_json = rows.text(0, 3);
    s.lease_expired = rows.text(0, 4) == "t";
    out = std::move(s);
  });
  return out;
}

bool PgStore::abandon_expired(const DispatchKey& key, long long fence) {
  bool done = false;
  write("cannot abandon the try of task '" + key.task_id + "'", [&](PgConnection& c) {
    done = c.run(kAbandonExpired, with(key_params(key), {std::to_string(fence)})).affected() == 1;
  });
  return done;
}

bool PgStore::withdraw(const DispatchKey& key) {
  bool done = false;
  write("cannot withdraw the try of task '" + key.task_id + "'",
        [&](PgConnection& c) { done = c.run(kWithdraw, key_params(key)).affected() == 1; });
  return done;
}

void PgStore::request_cancel(const DispatchKey& key, const std::string& reason) {
  write("cannot cancel the try of task '" + key.task_id + "'",
        [&](PgConnection& c) { c.run(kRequestCancel, with(key_params(key), {reason.empty() ? "cancelled" : reason})); });
}

int PgStore::abandon_run(const std::string& run_id) {
  int n = 0;
  write("cannot abandon the queued tries of run '" + run_id + "'",
        [&](PgConnection& c) { n = static_cast<int>(c.run(kAbandonRun, {run_id}).affected()); });
  return n;
}

std::optional<DispatchClaim> PgStore::claim(const std::vector<std::string>& queues, const std::string& worker,
                                            std::chrono::milliseconds lease) {
  std::optional<DispatchClaim> out;
  write("cannot claim a try for worker '" + worker + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kClaim, {text_array(queues), worker, interval(lease)});
    out.reset();
    if (rows.size() == 0) return;
    DispatchClaim claim;
    claim.key = {rows.text(0, 0), rows.text(0, 1), std::stoi(rows.text(0, 2))};
    claim.queue = rows.text(0, 3);
    claim.payload_json = rows.text(0, 4);
    claim.fence = std::stoll(rows.text(0, 5));
    out = std::move(claim);
  });
  return out;
}

Renewal PgStore::renew(const DispatchKey& key, long long fence, std::chrono::milliseconds lease) {
  Renewal out;
  write("cannot renew the lease on task '" + key.task_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kRenew, with(key_params(key), {std::to_string(fence), interval(lease)}));
    out = {};
    if (rows.size() == 0) return;
    out.held = true;
    out.cancel_reason = rows.text(0, 0);
  });
  return out;
}

namespace {

// The try's log in parts of kLogPart bytes, replacing any stored before.
void replace_log(PgConnection& c, const DispatchKey& key, const std::string& log) {
  c.run(kDeleteLog, key_params(key));
  const std::string_view bytes = std::string_view(log).substr(0, kMaxStoredLog);
  for (size_t at = 0, part = 0; at < bytes.size(); at += kLogPart, ++part)
    c.run(kInsertLogPart, with(key_params(key), {std::to_string(part), to_hex(bytes.substr(at, kLogPart))}));
}

}  // namespace

bool PgStore::complete(const DispatchKey& key, long long fence, const std::string& outcome_json,
                       const std::string& log) {
  bool done = false;
  write("cannot report the try of task '" + key.task_id + "'", [&](PgConnection& c) {
    done = c.run(kComplete, with(key_params(key), {std::to_string(fence), outcome_json})).affected() == 1;
    if (!done) return;  // fenced out: its log is not this try's record either
    replace_log(c, key, log);
    c.run(kNotify, {PgNotifier::try_topic(key)});
  });
  return done;
}

void PgStore::store_log(const DispatchKey& key, const std::string& log) {
  write("cannot store the log of task '" + key.task_id + "'", [&](PgConnection& c) { replace_log(c, key, log); });
}

std::optional<std::string> PgStore::stored_log(const DispatchKey& key) const {
  std::optional<std::string> out;
  read("cannot read the stored log of task '" + key.task_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kReadLog, key_params(key));
    out.reset();
    if (rows.size() == 0) {
      // No parts: a log stored empty, or none stored at all.
      if (c.run(kReported, key_params(key)).size())
        out.emplace();
      return;
    }
    out.emplace();
    for (int i = 0; i < rows.size(); ++i) append_from_hex(rows.text(i, 0), *out);
  });
  return out;
}

std::unique_ptr<QueueWatch> PgStore::watch_queues(const std::vector<std::string>& queues) {
  std::vector<std::string> topics;
  for (const std::string& q : queues) topics.push_back(PgNotifier::work_topic(q));
  return notifier_.watch(std::move(topics));
}

std::unique_ptr<QueueWatch> PgStore::watch_try(const DispatchKey& key) {
  return notifier_.watch({PgNotifier::try_topic(key)});
}

}  // namespace dagrun
