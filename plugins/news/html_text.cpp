#include "html_text.h"

#include <array>
#include <cctype>
#include <utility>

namespace dagrun::news {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

bool ascii_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The named entities news text uses in practice; the full HTML list has 2,000+
// and Naver only ever emits the first five.
constexpr std::array<std::pair<std::string_view, std::uint32_t>, 40> kNamed{{
    {"quot", 0x22},   {"amp", 0x26},     {"lt", 0x3C},     {"gt", 0x3E},     {"apos", 0x27},
    {"nbsp", 0xA0},   {"middot", 0xB7},  {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"sbquo", 0x201A}, {"bdquo", 0x201E}, {"ndash", 0x2013},
    {"mdash", 0x2014}, {"bull", 0x2022},  {"laquo", 0xAB},   {"raquo", 0xBB},  {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"copy", 0xA9},   {"reg", 0xAE},     {"trade", 0x2122}, {"times", 0xD7},
    {"divide", 0xF7}, {"deg", 0xB0},     {"plusmn", 0xB1},  {"para", 0xB6},   {"sect", 0xA7},
    {"cent", 0xA2},   {"pound", 0xA3},   {"yen", 0xA5},     {"euro", 0x20AC}, {"prime", 0x2032},
    {"larr", 0x2190}, {"rarr", 0x2192},  {"uarr", 0x2191},  {"darr", 0x2193}, {"thinsp", 0x2009},
}};

// Length of the tag starting at html[pos] == '<', or 0 when it is not a tag.
size_t tag_length(std::string_view html, size_t pos) {
  if (html.substr(pos, 4) == "<!--") {
    const size_t end = html.find("-->", pos + 4);
    return end == std::string_view::npos ? 0 : end + 3 - pos;
  }
  if (pos + 1 >= html.size()) return 0;
  const char next = html[pos + 1];
  const bool opens = ascii_alpha(next) || next == '!' || next == '?' ||
                     (next == '/' && pos + 2 < html.size() && ascii_alpha(html[pos + 2]));
  if (!opens) return 0;
  char quote = 0;  // inside an attribute value, '>' does not end the tag
  for (size_t i = pos + 1; i < html.size(); ++i) {
    const char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1 - pos;
    } else if (c == '<') {
      return 0;  // "<b <i>": the first '<' was text
    }
  }
  return 0;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decodes the entity at text[pos] == '&' into out; returns its length, or 0.
size_t decode_one(std::string_view text, size_t pos, std::string& out) {
  const size_t semi = text.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 12) return 0;
  const std::string_view body = text.substr(pos + 1, semi - pos - 1);
  if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    std::uint64_t value = 0;
    for (char c : digits) {
      if (hex ? !is_hex(c) : !is_digit(c)) return 0;
      const int d = is_digit(c) ? c - '0' : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
      value = value * (hex ? 16 : 10) + static_cast<std::uint64_t>(d);
      if (value > 0x10FFFF) value = 0x110000;  // stays invalid, never overflows
    }
    append_utf8(out, value == 0 ? kReplacement : static_cast<std::uint32_t>(value));
    return semi + 1 - pos;
  }
  for (const auto& [name, code_point] : kNamed) {
    if (name == body) {
      append_utf8(out, code_point);
      return semi + 1 - pos;
    }
  }
  return 0;
}

}  // namespace

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  auto byte = [&](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
  if (cp < 0x80) {
    byte(cp);
  } else if (cp < 0x800) {
    byte(0xC0 | (cp >> 6));
    byte(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    byte(0xE0 | (cp >> 12));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  } else {
    byte(0xF0 | (cp >> 18));
    byte(0x80 | ((cp >> 12) & 0x3F));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  }
}

std::string strip_tags(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (size_t i = 0; i < html.size();) {
    const size_t n = html[i] == '<' ? tag_length(html, i) : 0;
    if (n > 0) {
      i += n;
    } else {
      out.push_back(html[i++]);
    }
  }
  return out;
}

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = text[i] == '&' ? decode_one(text, i, out) : 0;
    if (n > 0) {
      i += n;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

std::string clean_html_text(std::string_view html) {
  const std::string text = decode_entities(strip_tags(html));
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool nbsp = c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || nbsp) {
      if (nbsp) ++i;
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace dagrun::news
