#include "article.h"

#include <nlohmann/json.hpp>

#include "files.h"
#include "stage_error.h"

namespace dagrun::news {

using nlohmann::json;

void write_articles_file(const std::filesystem::path& path, const std::vector<Article>& articles) {
  json list = json::array();
  for (const Article& a : articles) {
    list.push_back({{"keyword", a.keyword},
                    {"title", a.title},
                    {"link", a.link},
                    {"originallink", a.originallink},
                    {"description", a.description},
                    {"pub_date", a.pub_date},
                    {"pub_unix", a.pub_unix}});
  }
  const json doc = {{"version", kArticlesFileVersion}, {"count", articles.size()}, {"articles", list}};
  write_file_atomic(path, doc.dump(1, '\t', false, json::error_handler_t::replace) + '\n');
}

std::vector<Article> read_articles_file(const std::filesystem::path& path) {
  const auto text = read_file(path);
  if (!text)
    throw StageError(path.string() + ": no such file; the upstream stage writes it into the run's data directory");
  const json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw StageError(path.string() + ": not a JSON object");
  const json version = doc.value("version", json());
  if (!version.is_number_integer() || version.get<int>() != kArticlesFileVersion)
    throw StageError(path.string() + ": unsupported version " + version.dump() + " (this plugin reads version " +
                     std::to_string(kArticlesFileVersion) + ")");
  const auto list = doc.find("articles");
  if (list == doc.end() || !list->is_array()) throw StageError(path.string() + ": no 'articles' list");
  std::vector<Article> out;
  out.reserve(list->size());
  for (const json& item : *list) {
    try {
      out.push_back({item.at("keyword").get<std::string>(), item.at("title").get<std::string>(),
                     item.at("link").get<std::string>(), item.at("originallink").get<std::string>(),
                     item.at("description").get<std::string>(), item.at("pub_date").get<std::string>(),
                     item.at("pub_unix").get<std::int64_t>()});
    } catch (const json::exception& e) {
      throw StageError(path.string() + ": article " + std::to_string(out.size() + 1) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace dagrun::news
