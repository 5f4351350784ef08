// A file of history changes an engine has announced but the store may not
// have committed yet, so that the death of the engine process loses none.
//
// The StoreWriter commits in the background; what it still holds in memory
// dies with the process. Before the engine runs code that can kill it (an
// in_process plugin) it appends every uncommitted change here with write(2):
// once write returns the data is the kernel's and survives the process. That
// costs one write per try instead of waiting for a commit. Recovery replays
// the journal of a dead engine into the store before it charges that
// engine's tries. A change is an upsert of its row, so replaying changes the
// store already has, in order, ends at the same rows: the journal need only
// hold a superset of what is uncommitted, and is emptied whenever everything
// it holds is committed.
//
// The owner holds an exclusive flock() on the file while it lives (the
// descriptor is close-on-exec, so no child keeps it): a replayer that gets
// the lock knows the writer is gone, and removes the file while still
// holding it, so a journal is replayed at most once after its last change.
//
// It guards against the death of the process, not of the machine: nothing
// is fsync'ed, like the store's own commits (synchronous=NORMAL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "store/records.h"
#include "store/history_store.h"

namespace dagrun {

// Where the engine `engine_id` keeps its journal: in the directory next to
// the database, `<db>.journals/`, under a file name encoded from the id.
std::filesystem::path journal_dir_for(const std::filesystem::path& db);
std::filesystem::path journal_path(const std::filesystem::path& dir, const std::string& engine_id);

class ChangeJournal {
 public:
  // Creates the directory and the file (empty) and locks it. Throws
  // std::system_error when that fails.
  explicit ChangeJournal(std::filesystem::path path);
  // Closes the file; it stays for recovery unless discard() was called.
  ~ChangeJournal() = default;
  ChangeJournal(const ChangeJournal&) = delete;
  ChangeJournal& operator=(const ChangeJournal&) = delete;

  // Appends the changes, one record each, with as few write calls as the
  // kernel allows. Throws std::system_error when the file system refuses.
  void append(const std::vector<const StoreChange*>& changes);
  // Empties the file: everything in it is committed.
  void clear();
  // Bytes appended since the last clear.
  std::uint64_t size() const { return size_; }
  // Removes the file: the store has every change, nothing is left to replay.
  void discard();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

// One journal record appended to `out`, and read back from `text` at `pos`
// (advanced past it); exposed for tests. Throws std::exception when the
// record is cut short or malformed.
void append_record(std::string& out, const StoreChange& change);
StoreChange parse_record(std::string_view text, size_t& pos);

struct ReplayResult {
  enum class Status { absent, busy, replayed } status = Status::absent;
  size_t changes = 0;  // applied to the store
  size_t skipped = 0;  // of runs the store no longer has
  bool torn = false;   // it ended in a record cut short (the engine died inside a write)
};

// Applies the journal at `path` to the store in one batch and removes the
// file. `busy` when its writer still holds the lock; `absent` when there is
// no such file (none was written, or another engine replayed it first). A
// torn last record (the process died inside a write) ends the replay there.
// Throws when the store refuses the changes; the file then stays.
ReplayResult replay_journal(HistoryStore& store, const std::filesystem::path& path);

}  // namespace dagrun
