#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/suggest.h"

using namespace dagrun;

TEST_CASE("edit distance counts adjacent transpositions as one edit") {
  CHECK(edit_distance("retries", "retries") == 0);
  CHECK(edit_distance("retires", "retries") == 1);  // transposition
  CHECK(edit_distance("extrct", "extract") == 1);   // deletion
  CHECK(edit_distance("load", "loads") == 1);       // insertion
  CHECK(edit_distance("noop", "nop") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("ca", "abc") == 3);  // optimal string alignment, not full Damerau
  CHECK(edit_distance("Retries", "retries") == 0);
}

TEST_CASE("closest match keeps the best candidate within the threshold") {
  std::vector<std::string> keys{"retries", "retry_delay", "trigger_rule", "upstream"};
  CHECK(closest_match("retires", keys) == std::optional<std::string>("retries"));
  CHECK(closest_match("retry_dely", keys) == std::optional<std::string>("retry_delay"));
  CHECK(closest_match("upstrem", keys) == std::optional<std::string>("upstream"));
  CHECK_FALSE(closest_match("banana", keys));
  CHECK_FALSE(closest_match("x", std::vector<std::string>{"y"}));  // nothing in common
  // Ties go to the first candidate, so suggestions follow the caller's order.
  CHECK(closest_match("ab", std::vector<std::string>{"ac", "ad"}) ==
        std::optional<std::string>("ac"));
}

TEST_CASE("suggestion threshold grows with the word") {
  CHECK(suggestion_threshold("abc") == 1);
  CHECK(suggestion_threshold("abcdef") == 2);
  CHECK(suggestion_threshold("abcdefg") == 3);
  CHECK_FALSE(closest_match("abc", std::vector<std::string>{"axy"}));        // 2 > 1
  CHECK(closest_match("abcdef", std::vector<std::string>{"abxyef"}).has_value());  // 2 <= 2
}

TEST_CASE("did you mean is empty without a suggestion") {
  CHECK(did_you_mean(std::nullopt).empty());
  CHECK(did_you_mean(std::string("retries")) == " (did you mean 'retries'?)");
}

TEST_CASE("the refused word itself is never suggested") {
  CHECK_FALSE(closest_match("Asia", std::vector<std::string>{"Asia"}));
  CHECK(closest_match("Asia", std::vector<std::string>{"Asia", "Asiaa"}) == std::optional<std::string>("Asiaa"));
  // A different spelling of the same letters still helps.
  CHECK(closest_match("utc", std::vector<std::string>{"UTC"}) == std::optional<std::string>("UTC"));
}
