// An article as the stages hand it to each other, and the JSON files that
// carry lists of them between stages (fetched.json, new_articles.json).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dagrun::news {

struct Article {
  std::string keyword;       // the NEWS_KEYWORDS entry that found it
  std::string title;         // plain text: tags stripped, entities decoded
  std::string link;          // Naver's page for it, or the original URL
  std::string originallink;  // the outlet's URL (may be empty)
  std::string description;   // plain text, like title
  std::string pub_date;      // ISO 8601 with the offset Naver gave
  std::int64_t pub_unix = 0;

  // Where a reader should go: the outlet's own page when Naver knows it.
  const std::string& best_url() const { return originallink.empty() ? link : originallink; }
};

// The format version of the article files; a reader refuses another one.
inline constexpr int kArticlesFileVersion = 1;

// {"version":1,"count":N,"articles":[...]} written with write_file_atomic.
void write_articles_file(const std::filesystem::path& path, const std::vector<Article>& articles);

// Reads a file written by write_articles_file. Throws StageError naming the
// file when it is missing (the upstream stage did not run in this run's data
// directory), unreadable, of another version, or not well-formed.
std::vector<Article> read_articles_file(const std::filesystem::path& path);

}  // namespace dagrun::news
