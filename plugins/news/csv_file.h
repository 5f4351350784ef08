// The day's CSV of sent articles in NEWS_DATA_DIR (news_YYYYMMDD.csv):
// RFC 4180, UTF-8 with a byte order mark so Excel shows Korean text, CRLF line
// ends, header keyword,title,link,originallink,description,pub_date.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "article.h"

namespace dagrun::news {

inline constexpr std::string_view kCsvBom = "\xEF\xBB\xBF";
inline constexpr std::string_view kCsvHeader = "keyword,title,link,originallink,description,pub_date";

// A field as RFC 4180 writes it: quoted (with quotes doubled) when it holds a
// comma, a quote, CR or LF; as is otherwise.
std::string csv_field(std::string_view value);

// The fields joined with commas, ending in CRLF.
std::string csv_row(const std::vector<std::string>& fields);

// Parses RFC 4180 text (a leading BOM is skipped). Lenient where Excel is: a
// stray quote inside an unquoted field is kept, an unterminated quoted field
// runs to the end.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

// "news_20261129.csv"
std::string csv_file_name(std::string_view day_stamp);

// True when name is exactly news_YYYYMMDD.csv with a real date; the stamp
// ("20261129") is stored in stamp when given.
bool is_csv_file_name(std::string_view name, std::string* stamp = nullptr);

// Appends the articles whose link is not in the file yet (so appending the
// same articles twice writes each row once), creating the file with BOM and
// header when it does not exist. The file is replaced atomically. Returns the
// number of rows written. Throws StageError when the file cannot be read or
// written or its header is not the bot's.
size_t append_articles_csv(const std::filesystem::path& path, const std::vector<Article>& articles);

}  // namespace dagrun::news
