#include "store/change_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <variant>

#include <spdlog/spdlog.h>

#include "base/unique_fd.h"

namespace dagrun {
namespace fs = std::filesystem;

namespace {

std::system_error os_error(const std::string& what, const fs::path& path) {
  return std::system_error(errno, std::generic_category(), what + " " + path.string());
}


// A record is a kind letter, then each field as `<length>:<bytes>`, then a
// newline. Length-prefixed rather than JSON: any bytes (an error message
// need not be UTF-8) go through unchanged, and writing one is a few appends,
// which matters because an in_process try waits for it.
class RecordWriter {
 public:
  RecordWriter(std::string& out, char kind) : out_(out) { out_ += kind; }
  void end() { out_ += '\n'; }

  RecordWriter& text(std::string_view v) {
    out_ += std::to_string(v.size());
    out_ += ':';
    out_ += v;
    return *this;
  }
  RecordWriter& number(std::int64_t v) { return text(std::to_string(v)); }
  // Absent is the empty field; present is '=' and the value.
  RecordWriter& optional_text(const std::optional<std::string>& v) { return v ? text("=" + *v) : text(""); }
  RecordWriter& optional_number(const std::optional<std::int64_t>& v) {
    return v ? text("=" + std::to_string(*v)) : text("");
  }
  // Times are nanoseconds since the epoch: exact.
  RecordWriter& time(const std::optional<TimePoint>& t) {
    if (!t) return text("");
    return optional_number(std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count());
  }

 private:
  std::string& out_;
};

class RecordReader {
 public:
  RecordReader(std::string_view in, size_t& pos) : in_(in), pos_(pos) {}

  std::string text() {
    size_t colon = in_.find(':', pos_);
    if (colon == std::string_view::npos || colon == pos_ || colon - pos_ > 10) throw torn();
    size_t n = 0;
    for (size_t i = pos_; i < colon; ++i) {
      if (in_[i] < '0' || in_[i] > '9') throw std::runtime_error("a field length is not a number");
      n = n * 10 + static_cast<size_t>(in_[i] - '0');
    }
    if (n > in_.size() - colon - 1) throw torn();
    std::string v(in_.substr(colon + 1, n));
    pos_ = colon + 1 + n;
    return v;
  }
  std::int64_t number() { return to_number(text()); }
  std::optional<std::string> optional_text() {
    std::string v = text();
    if (v.empty()) return std::nullopt;
    if (v[0] != '=') throw std::runtime_error("an optional field lacks its '='");
    return v.substr(1);
  }
  std::optional<int> optional_int() {
    auto v = optional_text();
    if (!v) return std::nullopt;
    return static_cast<int>(to_number(*v));
  }
  std::optional<TimePoint> time() {
    auto v = optional_text();
    if (!v) return std::nullopt;
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(to_number(*v))));
  }
  template <typename State, typename Parse>
  State state(Parse parse) {
    const std::string s = text();
    auto v = parse(s);
    if (!v) throw std::runtime_error("unknown state '" + s + "'");
    return *v;
  }
  void end() {
    if (pos_ >= in_.size()) throw torn();
    if (in_[pos_] != '\n') throw std::runtime_error("a record has more fields than its kind");
    ++pos_;
  }

 private:
  static std::runtime_error torn() { return std::runtime_error("the record is cut short"); }
  static std::int64_t to_number(const std::string& s) {
    size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size()) throw std::runtime_error("'" + s + "' is not a number");
    return v;
  }

  std::string_view in_;
  size_t& pos_;
};

void write(std::string& out, const RunUpdate& u) {
  RecordWriter(out, 'R').text(u.run_id).text(to_string(u.state)).time(u.start_date).time(u.end_date).optional_text(
      u.reason).end();
}

void write(std::string& out, const TaskInstanceRecord& t) {
  RecordWriter(out, 'T').text(t.run_id).text(t.task_id).text(to_string(t.state)).number(t.try_number).number(
      t.max_tries).end();
}

std::optional<std::int64_t> wide(const std::optional<int>& v) {
  return v ? std::optional<std::int64_t>(*v) : std::nullopt;
}

void write(std::string& out, const TryRecord& t) {
  RecordWriter(out, 'Y')
      .text(t.run_id)
      .text(t.task_id)
      .number(t.try_number)
      .text(to_string(t.state))
      .time(t.start_date)
      .time(t.end_date)
      .optional_number(wide(t.exit_code))
      .optional_number(wide(t.signal))
      .text(t.error)
      .text(t.log_path)
      .optional_number(wide(t.pid))
      .text(t.hostname)
      .text(t.log_error)
      .end();
}

void write(std::string& out, const XComRecord& x) {
  RecordWriter(out, 'X').text(x.run_id).text(x.task_id).text(x.key).text(x.value_json).end();
}

// Only what recording it needs: the dispatcher's fields start empty.
void write(std::string& out, const CallbackRecord& c) {
  RecordWriter(out, 'C')
      .text(c.run_id)
      .text(c.dag_id)
      .text(c.task_id)
      .number(c.try_number)
      .text(c.event)
      .number(c.action)
      .time(c.created_at)
      .end();
}

const std::string& run_of(const StoreChange& c) {
  return std::visit([](const auto& r) -> const std::string& { return r.run_id; }, c);
}

// Engine ids are "<hostname>:<pid>:<start>"; a host name may hold characters
// a file name should not, so everything but [A-Za-z0-9._-] is %-encoded.
std::string encoded_name(const std::string& id) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (out.empty() || out == "." || out == ".." || out.size() > 200)
    throw std::invalid_argument("engine id '" + id + "' cannot name a journal file");
  return out;
}

}  // namespace

void append_record(std::string& out, const StoreChange& change) {
  std::visit([&](const auto& c) { write(out, c); }, change);
}

StoreChange parse_record(std::string_view text, size_t& pos) {
  if (pos >= text.size()) throw std::runtime_error("no record");
  const char kind = text[pos++];
  RecordReader r(text, pos);
  StoreChange out;
  switch (kind) {
    case 'R': {
      RunUpdate u;
      u.run_id = r.text();
      u.state = r.state<RunState>(parse_run_state);
      u.start_date = r.time();
      u.end_date = r.time();
      u.reason = r.optional_text();
      out = std::move(u);
      break;
    }
    case 'T': {
      TaskInstanceRecord t;
      t.run_id = r.text();
      t.task_id = r.text();
      t.state = r.state<TaskState>(parse_task_state);
      t.try_number = static_cast<int>(r.number());
      t.max_tries = static_cast<int>(r.number());
      out = std::move(t);
      break;
    }
    case 'Y': {
      TryRecord t;
      t.run_id = r.text();
      t.task_id = r.text();
      t.try_number = static_cast<int>(r.number());
      t.state = r.state<TaskState>(parse_task_state);
      t.start_date = r.time();
      t.end_date = r.time();
      t.exit_code = r.optional_int();
      t.signal = r.optional_int();
      t.error = r.text();
      t.log_path = r.text();
      t.pid = r.optional_int();
      t.hostname = r.text();
      t.log_error = r.text();
      out = std::move(t);
      break;
    }
    case 'X': {
      XComRecord x;
      x.run_id = r.text();
      x.task_id = r.text();
      x.key = r.text();
      x.value_json = r.text();
      out = std::move(x);
      break;
    }
    case 'C': {
      CallbackRecord c;
      c.run_id = r.text();
      c.dag_id = r.text();
      c.task_id = r.text();
      c.try_number = static_cast<int>(r.number());
      c.event = r.text();
      c.action = static_cast<int>(r.number());
      c.created_at = r.time();
      c.next_at = c.created_at;
      out = std::move(c);
      break;
    }
    default:
      throw std::runtime_error(std::string("unknown record kind '") + kind + "'");
  }
  r.end();
  return out;
}

fs::path journal_dir_for(const fs::path& db) { return fs::path(db.string() + ".journals"); }

fs::path journal_path(const fs::path& dir, const std::string& engine_id) {
  return dir / (encoded_name(engine_id) + ".journal");
}

ChangeJournal::ChangeJournal(fs::path path) : path_(std::move(path)) {
  if (::mkdir(path_.parent_path().c_str(), 0700) != 0 && errno != EEXIST)
    throw os_error("cannot create the journal directory", path_.parent_path());
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd_) throw os_error("cannot create the journal", path_);
  // Held until this process exits: a replayer that gets it knows the writer is gone.
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) throw os_error("cannot lock the journal", path_);
}

void ChangeJournal::append(const std::vector<const StoreChange*>& changes) {
  if (changes.empty()) return;
  std::string text;
  for (const StoreChange* c : changes) append_record(text, *c);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw os_error("cannot write the journal", path_);
    written += static_cast<size_t>(n);
  }
  size_ += text.size();
}

void ChangeJournal::clear() {
  if (size_ == 0) return;
  if (::ftruncate(fd_.get(), 0) != 0) throw os_error("cannot empty the journal", path_);
  size_ = 0;
}

void ChangeJournal::discard() {
  if (!fd_) return;
  ::unlink(path_.c_str());
  fd_.reset();
}

ReplayResult replay_journal(HistoryStore& store, const fs::path& path) {
  ReplayResult out;
  UniqueFd f(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!f) {
    if (errno == ENOENT) return out;
    throw os_error("cannot open the journal", path);
  }
  if (::flock(f.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw os_error("cannot lock the journal", path);
    out.status = ReplayResult::Status::busy;
    return out;
  }
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) throw os_error("cannot read the journal", path);
  if (st.st_nlink == 0) return out;  // replayed and removed while this waited

  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw os_error("cannot read the journal", path);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  std::vector<StoreChange> changes;
  size_t pos = 0;
  while (pos < text.size()) {
    try {
      changes.push_back(parse_record(text, pos));
    } catch (const std::exception& e) {
      // Only the last write can be torn; what follows a bad record is not
      // trusted either, so the history stays a prefix of what happened.
      spdlog::warn("{}: the journal ends in an unreadable record ({}); replaying what precedes it", path.string(),
                   e.what());
      out.torn = true;
      break;
    }
  }
  // `dagrun db clean` may have removed a run since: its changes have no row to land on.
  std::set<std::string> missing;
  std::set<std::string> present;
  std::vector<StoreChange> kept;
  kept.reserve(changes.size());
  for (StoreChange& c : changes) {
    const std::string& run = run_of(c);
    if (!present.count(run) && !missing.count(run)) (store.get_run(run) ? present : missing).insert(run);
    if (missing.count(run)) {
      ++out.skipped;
      continue;
    }
    kept.push_back(std::move(c));
  }
  store.apply(kept);
  out.changes = kept.size();
  // Removed while locked: a replayer waiting for the lock then finds no link.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw os_error("cannot remove the journal", path);
  out.status = ReplayResult::Status::replayed;
  return out;
}

}  // namespace dagrun
