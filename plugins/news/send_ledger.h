// <run_dir>/send_ledger.json: what the tries of one run have sent, so a retry
// after a partial failure sends only the rest, into the same day's CSV.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_set>

namespace dagrun::news {

inline constexpr int kLedgerVersion = 1;

class SendLedger {
 public:
  // The run's ledger, or a new one (saved at once) whose CSV is
  // news_<day_stamp>.csv: the CSV name is fixed by the first try, so a retry
  // after midnight still writes to the same file.
  static SendLedger open(const std::filesystem::path& path, const std::string& day_stamp);

  const std::string& csv_file() const { return csv_file_; }
  bool sent(const std::string& link) const { return sent_.count(link) != 0; }
  size_t size() const { return sent_.size(); }
  // Records links as sent and saves the ledger atomically.
  template <typename Links>
  void record(const Links& links) {
    for (const auto& l : links) sent_.insert(l);
    save();
  }

 private:
  void save() const;
  std::filesystem::path path_;
  std::string csv_file_;
  std::unordered_set<std::string> sent_;
};

}  // namespace dagrun::news
