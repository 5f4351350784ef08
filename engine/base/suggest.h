// "did you mean ...?" for unknown keys, upstream ids, plugin names and trigger rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dagrun {

// Optimal-string-alignment Damerau-Levenshtein distance: insertions, deletions,
// substitutions and transpositions of adjacent characters each cost 1.
// Case-insensitive for ASCII, so "Retries" is distance 0 from "retries".
size_t edit_distance(std::string_view a, std::string_view b);

// The largest distance at which word is still worth suggesting for: 1 for words of up
// to 3 characters, 2 up to 6, 3 beyond.
size_t suggestion_threshold(std::string_view word);

// Collects candidates and keeps the closest one within the threshold; the first of
// equally close candidates wins, so results follow the caller's order.
class Suggester {
 public:
  explicit Suggester(std::string_view word);
  void consider(std::string_view candidate);
  std::optional<std::string> best() const;

 private:
  std::string_view word_;
  size_t limit_;
  size_t best_distance_;
  std::optional<std::string> best_;
};

// The closest candidate to word, if any is close enough.
template <typename Range>
std::optional<std::string> closest_match(std::string_view word, const Range& candidates) {
  Suggester s(word);
  for (const auto& c : candidates) s.consider(c);
  return s.best();
}

// " (did you mean 'x'?)" or "" when there is nothing to suggest.
std::string did_you_mean(const std::optional<std::string>& suggestion);

}  // namespace dagrun
