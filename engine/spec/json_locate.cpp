#include "spec/json_locate.h"

#include <algorithm>

namespace dagrun {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Splits "/a/b~1c" into {"a", "b/c"}; the empty pointer is the whole document.
std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  size_t pos = pointer[0] == '/' ? 1 : 0;
  std::string token;
  for (; pos <= pointer.size(); ++pos) {
    if (pos == pointer.size() || pointer[pos] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[pos] == '~' && pos + 1 < pointer.size()) {
      token += pointer[pos + 1] == '1' ? '/' : '~';
      ++pos;
    } else {
      token += pointer[pos];
    }
  }
  return tokens;
}

std::optional<size_t> array_index(const std::string& token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

}  // namespace

JsonLocator::JsonLocator(std::string_view text) : text_(text) {}

// nlohmann::json skips a UTF-8 byte order mark, and so must the positions.
size_t JsonLocator::bom_length() const { return text_.starts_with("\xEF\xBB\xBF") ? 3 : 0; }

size_t JsonLocator::skip_ws(size_t pos) const {
  while (pos < text_.size() && is_ws(text_[pos])) ++pos;
  return pos;
}

size_t JsonLocator::skip_string(size_t pos) const {
  for (++pos; pos < text_.size(); ++pos) {
    if (text_[pos] == '\\') ++pos;
    else if (text_[pos] == '"') return pos + 1;
  }
  return text_.size();
}

size_t JsonLocator::skip_value(size_t pos) const {
  if (pos >= text_.size()) return pos;
  char c = text_[pos];
  if (c == '"') return skip_string(pos);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (pos < text_.size()) {
      char d = text_[pos];
      if (d == '"') {
        pos = skip_string(pos);
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return pos + 1;
      }
      ++pos;
    }
    return pos;
  }
  // Numbers and literals end at a delimiter.
  while (pos < text_.size() && !is_ws(text_[pos]) && text_[pos] != ',' && text_[pos] != '}' &&
         text_[pos] != ']')
    ++pos;
  return pos;
}

std::string JsonLocator::decode_string(size_t pos) const {
  std::string out;
  for (++pos; pos < text_.size() && text_[pos] != '"'; ++pos) {
    char c = text_[pos];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++pos >= text_.size()) break;
    switch (text_[pos]) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto read_hex4 = [&](size_t at) -> int {
          if (at + 4 > text_.size()) return -1;
          int v = 0;
          for (size_t i = at; i < at + 4; ++i) {
            int h = hex_value(text_[i]);
            if (h < 0) return -1;
            v = v * 16 + h;
          }
          return v;
        };
        int hi = read_hex4(pos + 1);
        if (hi < 0) return out;
        pos += 4;
        unsigned cp = static_cast<unsigned>(hi);
        if (cp >= 0xD800 && cp < 0xDC00 && pos + 2 < text_.size() && text_[pos + 1] == '\\' &&
            text_[pos + 2] == 'u') {
          int lo = read_hex4(pos + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<unsigned>(lo) - 0xDC00);
            pos += 6;
          }
        }
        append_utf8(out, cp);
        break;
      }
      default: out += text_[pos]; break;  // \" \\ \/
    }
  }
  return out;
}

const std::vector<size_t>& JsonLocator::array_elements(size_t pos) {
  auto [it, inserted] = arrays_.try_emplace(pos);
  if (!inserted) return it->second;
  std::vector<size_t>& elements = it->second;
  pos = skip_ws(pos + 1);
  while (pos < text_.size() && text_[pos] != ']') {
    elements.push_back(pos);
    pos = skip_ws(skip_value(pos));
    if (pos < text_.size() && text_[pos] == ',') pos = skip_ws(pos + 1);
  }
  return elements;
}

const std::vector<JsonLocator::Member>& JsonLocator::object_members(size_t pos) {
  auto [it, inserted] = objects_.try_emplace(pos);
  if (!inserted) return it->second;
  std::vector<Member>& members = it->second;
  pos = skip_ws(pos + 1);
  while (pos < text_.size() && text_[pos] == '"') {
    Member m{decode_string(pos), pos, 0};
    pos = skip_ws(skip_string(pos));
    if (pos < text_.size() && text_[pos] == ':') pos = skip_ws(pos + 1);
    m.value_pos = pos;
    members.push_back(std::move(m));
    pos = skip_ws(skip_value(pos));
    if (pos < text_.size() && text_[pos] == ',') pos = skip_ws(pos + 1);
  }
  return members;
}

std::optional<size_t> JsonLocator::offset(std::string_view pointer, JsonTarget target,
                                          int occurrence) {
  size_t pos = skip_ws(bom_length());
  size_t key_pos = pos;
  const std::vector<std::string> tokens = pointer_tokens(pointer);
  for (size_t t = 0; t < tokens.size(); ++t) {
    const std::string& token = tokens[t];
    int skip = t + 1 == tokens.size() ? occurrence : 0;
    if (pos >= text_.size()) return std::nullopt;
    if (text_[pos] == '[') {
      auto index = array_index(token);
      if (!index) return std::nullopt;
      const std::vector<size_t>& elements = array_elements(pos);
      if (*index >= elements.size()) return std::nullopt;
      pos = key_pos = elements[*index];
    } else if (text_[pos] == '{') {
      bool found = false;
      for (const Member& m : object_members(pos)) {
        if (m.key == token && skip-- == 0) {
          key_pos = m.key_pos;
          pos = m.value_pos;
          found = true;
          break;
        }
      }
      if (!found) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return target == JsonTarget::key ? key_pos : pos;
}

SourcePosition JsonLocator::position(size_t offset) {
  if (line_starts_.empty()) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  size_t from = std::max(line_starts_[line_index], bom_length());
  int column = 1;
  if (last_.line == static_cast<int>(line_index) + 1 && last_offset_ >= from &&
      last_offset_ <= offset) {
    from = last_offset_;
    column = last_.column;
  }
  // Count code points: every byte that is not a UTF-8 continuation byte starts one.
  for (size_t i = from; i < offset; ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  last_offset_ = offset;
  last_ = {static_cast<int>(line_index) + 1, column};
  return last_;
}

SourcePosition JsonLocator::locate(std::string_view pointer, JsonTarget target, int occurrence) {
  auto at = offset(pointer, target, occurrence);
  return at ? position(*at) : SourcePosition{};
}

SourcePosition locate_json(std::string_view text, std::string_view pointer, JsonTarget target) {
  return JsonLocator(text).locate(pointer, target);
}

SourcePosition position_of_offset(std::string_view text, size_t offset) {
  return JsonLocator(text).position(offset);
}

}  // namespace dagrun
