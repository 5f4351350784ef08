// Finds where a JSON pointer lands in the source text, for error positions.
//
// The loader parses with nlohmann::json, which keeps no positions; scanning the text
// again is done only when a diagnostic is reported, so valid files never pay for it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun {

struct SourcePosition {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based, in Unicode code points (a tab is one column)
};

enum class JsonTarget {
  key,    // the opening quote of the member's key; the value for array elements
  value,  // the first character of the value
};

// Locates pointers in one text, which must be valid JSON (it has been parsed already).
// Arrays and objects are indexed once on first use, so locating many elements of a
// large array or keys of a large object costs one scan of it rather than one per
// lookup; positions asked for in increasing offset order cost one scan of the text
// in all (columns are counted on from the previous position on the same line).
class JsonLocator {
 public:
  explicit JsonLocator(std::string_view text);

  // Byte offset of the key or value at an RFC 6901 pointer ("/tasks/3/retries",
  // "" for the whole document); nullopt when the pointer does not resolve.
  // occurrence picks among repeats of the last key in its object (0: the first).
  std::optional<size_t> offset(std::string_view pointer, JsonTarget target, int occurrence = 0);

  // Line and column of a byte offset (clamped to the end of the text).
  SourcePosition position(size_t offset);

  // Both at once; {0, 0} when the pointer does not resolve.
  SourcePosition locate(std::string_view pointer, JsonTarget target, int occurrence = 0);

 private:
  size_t bom_length() const;
  size_t skip_ws(size_t pos) const;
  size_t skip_string(size_t pos) const;  // pos at the opening quote; returns past the closing one
  size_t skip_value(size_t pos) const;
  std::string decode_string(size_t pos) const;  // the string literal starting at pos
  const std::vector<size_t>& array_elements(size_t pos);
  struct Member {
    std::string key;  // decoded
    size_t key_pos;
    size_t value_pos;
  };
  const std::vector<Member>& object_members(size_t pos);

  std::string_view text_;
  std::map<size_t, std::vector<size_t>> arrays_;   // array offset -> element offsets
  std::map<size_t, std::vector<Member>> objects_;  // object offset -> members in order
  std::vector<size_t> line_starts_;                // built on first position()
  size_t last_offset_ = 0;  // the previous position(), to count its line's columns on
  SourcePosition last_{};
};

// One-off lookup for a single pointer.
SourcePosition locate_json(std::string_view text, std::string_view pointer, JsonTarget target);

// Line and column of a byte offset, as JsonLocator::position does.
SourcePosition position_of_offset(std::string_view text, size_t offset);

}  // namespace dagrun
