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

// Terminal columns taken by UTF-8 text: two for East Asian wide characters
// (Hangul, CJK), one for everything else.
size_t display_width(const std::string& s);

// "1.2s", "3m04s", "2h01m", "-" when unknown.
std::string format_duration_ms(long long ms);

}  // namespace dagrun::cli
