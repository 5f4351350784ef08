#include "spec/shell_words.h"

namespace dagrun {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<std::vector<std::string>> split_shell_words(std::string_view text,
                                                          std::string* error) {
  std::vector<std::string> words;
  std::string word;
  // A word exists once any of its characters, or a pair of quotes, has been seen:
  // '' is one empty word, as in a shell.
  bool in_word = false;
  size_t i = 0;
  auto fail = [&](const char* why) -> std::optional<std::vector<std::string>> {
    if (error) *error = why;
    return std::nullopt;
  };
  while (i < text.size()) {
    char c = text[i];
    if (is_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return fail("no closing quotation");
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) return fail("no closing quotation");
        char d = text[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
        word += text[i];
        ++i;
      }
      in_word = true;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return fail("no character after the final backslash");
      word += text[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace dagrun
