// Plain text tables for the listing verbs: columns padded to their widest cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace dagrun::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text: one column per code point (Hangul counts as one,
// which is wrong by one per syllable on most terminals but keeps the rule simple).
size_t display_width(const std::string& s);

// "1.2s", "3m04s", "2h01m", "-" when unknown.
std::string format_duration_ms(long long ms);

}  // namespace dagrun::cli
