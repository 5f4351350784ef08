#include "title_key.h"

#include <cstdint>

#include "html_text.h"

namespace dagrun::news {
namespace {

// Decodes one UTF-8 sequence at s[i]; advances i. Invalid bytes decode as
// themselves (Latin-1), which is enough for a comparison key.
std::uint32_t next_code_point(std::string_view s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])); };
  const std::uint32_t c = b(i);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (i + static_cast<size_t>(extra) >= s.size()) extra = 0;
  for (int k = 1; k <= extra; ++k) {
    if ((b(i + static_cast<size_t>(k)) & 0xC0) != 0x80) extra = 0;
  }
  if (extra == 0) {
    ++i;
    return c;
  }
  std::uint32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (b(i + static_cast<size_t>(k)) & 0x3F);
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

bool is_separator(std::uint32_t cp) {
  if (cp < 0x80) {
    const bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return !alnum;  // spaces, controls and ASCII punctuation
  }
  return (cp >= 0x80 && cp <= 0xBF) ||      // Latin-1 punctuation: no-break space, « », ·
         cp == 0xD7 || cp == 0xF7 ||        // × ÷
         (cp >= 0x2000 && cp <= 0x2BFF) ||  // general punctuation, arrows, symbols, shapes (… “ ” ▲)
         (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation (「」『』、。)
         (cp >= 0xFE30 && cp <= 0xFE4F) ||  // CJK compatibility forms
         (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);  // fullwidth punctuation
}

std::uint32_t fold_case(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xFF21 && cp <= 0xFF3A) return cp - 0xFF21 + 'a';  // fullwidth Ａ-Ｚ
  if (cp >= 0xFF41 && cp <= 0xFF5A) return cp - 0xFF41 + 'a';  // fullwidth ａ-ｚ
  if (cp >= 0xFF10 && cp <= 0xFF19) return cp - 0xFF10 + '0';  // fullwidth digits
  return cp;
}

}  // namespace

std::string title_key(std::string_view title_html) {
  const std::string text = decode_entities(strip_tags(title_html));
  std::string key;
  key.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    const std::uint32_t cp = next_code_point(text, i);
    if (is_separator(cp)) {
      pending_space = !key.empty();
      continue;
    }
    if (pending_space) key.push_back(' ');
    pending_space = false;
    append_utf8(key, fold_case(cp));
  }
  return key;
}

}  // namespace dagrun::news
