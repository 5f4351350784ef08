#include "csv_file.h"

#include <unordered_set>

#include "files.h"
#include "news_time.h"
#include "stage_error.h"

namespace dagrun::news {

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  out += "\r\n";
  return out;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  if (text.substr(0, kCsvBom.size()) == kCsvBom) text.remove_prefix(kCsvBom.size());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
      row.clear();
      field.clear();
      field_started = false;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (field_started || !field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_file_name(std::string_view day_stamp) { return "news_" + std::string(day_stamp) + ".csv"; }

bool is_csv_file_name(std::string_view name, std::string* stamp) {
  constexpr std::string_view prefix = "news_", suffix = ".csv";
  if (name.size() != prefix.size() + 8 + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - suffix.size()) != suffix)
    return false;
  const std::string_view day = name.substr(prefix.size(), 8);
  if (!day_stamp_days(day)) return false;
  if (stamp) *stamp = std::string(day);
  return true;
}

size_t append_articles_csv(const std::filesystem::path& path, const std::vector<Article>& articles) {
  std::string text = read_file(path).value_or("");
  std::unordered_set<std::string> links;
  if (text.empty()) {
    text = std::string(kCsvBom) + std::string(kCsvHeader) + "\r\n";
  } else {
    const auto rows = parse_csv(text);
    if (rows.empty() || rows[0].size() < 3 || rows[0][2] != "link")
      throw StageError(path.string() + ": not a news CSV (its header has no 'link' in the third column)");
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() > 2) links.insert(rows[i][2]);
    }
    if (text.back() != '\n') text += "\r\n";  // a row cut short by hand editing stays on its own line
  }
  size_t written = 0;
  for (const Article& a : articles) {
    if (!links.insert(a.link).second) continue;
    text += csv_row({a.keyword, a.title, a.link, a.originallink, a.description, a.pub_date});
    ++written;
  }
  if (written > 0) write_file_atomic(path, text);
  return written;
}

}  // namespace dagrun::news
