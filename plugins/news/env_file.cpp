#include "env_file.h"

#include <cctype>

namespace dagrun::news {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool key_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// What may follow a closing quote: nothing, or a comment.
bool only_comment_left(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || rest.front() == '#';
}

struct Value {
  std::string text;
  std::string problem;  // empty when the value is fine
};

Value double_quoted(std::string_view s) {
  Value v;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      if (!only_comment_left(s.substr(i + 1))) v.problem = "unexpected text after the closing quote";
      return v;
    }
    if (c != '\\' || i + 1 == s.size()) {
      v.text += c;
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n': v.text += '\n'; break;
      case 't': v.text += '\t'; break;
      case 'r': v.text += '\r'; break;
      case '"': v.text += '"'; break;
      case '\\': v.text += '\\'; break;
      default:  // an unknown escape stays as written, as in python-dotenv
        v.text += '\\';
        v.text += e;
    }
  }
  v.problem = "unterminated double-quoted value";
  return v;
}

Value single_quoted(std::string_view s) {
  Value v;
  const size_t end = s.find('\'');
  if (end == std::string_view::npos) {
    v.problem = "unterminated single-quoted value";
    return v;
  }
  v.text = std::string(s.substr(0, end));
  if (!only_comment_left(s.substr(end + 1))) v.problem = "unexpected text after the closing quote";
  return v;
}

Value unquoted(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) {
      s = s.substr(0, i);
      break;
    }
  }
  return {std::string(trim(s)), {}};
}

// Parses one non-blank, non-comment line into out; returns the problem, if any.
std::string parse_line(std::string_view line, EnvFile& out) {
  if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") line = trim(line.substr(7));
  if (line.empty() || !key_start(line[0])) return "expected KEY=VALUE; a key starts with a letter or '_'";
  size_t k = 0;
  while (k < line.size() && key_char(line[k])) ++k;
  const std::string key(line.substr(0, k));
  std::string_view rest = trim(line.substr(k));
  // Not named: without '=' the "key" may be a secret pasted on a line of its own.
  if (rest.empty() || rest.front() != '=') return "expected KEY=VALUE; no '=' after the key";
  rest = trim(rest.substr(1));
  Value v = rest.empty()            ? Value{}
            : rest.front() == '"'  ? double_quoted(rest.substr(1))
            : rest.front() == '\'' ? single_quoted(rest.substr(1))
                                   : unquoted(rest);
  if (!v.problem.empty()) return "key '" + key + "': " + v.problem;
  out.values[key] = std::move(v.text);
  return {};
}

}  // namespace

EnvFile parse_env(std::string_view text, std::string_view name) {
  EnvFile out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a BOM from Windows editors
  int line_no = 0;
  for (size_t pos = 0; pos <= text.size();) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (std::string why = parse_line(line, out); !why.empty())
      out.errors.push_back(std::string(name) + ':' + std::to_string(line_no) + ": " + why);
  }
  return out;
}

}  // namespace dagrun::news
