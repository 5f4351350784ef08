#include "base/suggest.h"

#include <algorithm>
#include <vector>

namespace dagrun {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

size_t abs_diff(size_t a, size_t b) { return a > b ? a - b : b - a; }

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows: the transposition step looks two rows back.
  const size_t m = b.size();
  std::vector<size_t> two_back(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

size_t suggestion_threshold(std::string_view word) {
  if (word.size() <= 3) return 1;
  if (word.size() <= 6) return 2;
  return 3;
}

Suggester::Suggester(std::string_view word)
    : word_(word), limit_(suggestion_threshold(word)), best_distance_(limit_ + 1) {}

void Suggester::consider(std::string_view candidate) {
  // The word itself is not a suggestion: it was already refused.
  if (candidate == word_) return;
  // The length difference bounds the distance from below: skip the table when it
  // already rules the candidate out, which keeps a search over many ids cheap.
  if (abs_diff(candidate.size(), word_.size()) >= best_distance_) return;
  size_t d = edit_distance(word_, candidate);
  if (d < best_distance_ && d < std::max(word_.size(), candidate.size())) {
    best_distance_ = d;
    best_ = std::string(candidate);
  }
}

std::optional<std::string> Suggester::best() const { return best_; }

std::string did_you_mean(const std::optional<std::string>& suggestion) {
  return suggestion ? " (did you mean '" + *suggestion + "'?)" : std::string();
}

}  // namespace dagrun
