#include "stage_filter.h"

#include <algorithm>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "seen_store.h"
#include "title_key.h"

namespace dagrun::news {

void filter_duplicates(const NewsConfig& config, StageIo& io) {
  const std::filesystem::path news_dir = config.news_data_dir();
  const std::vector<Article> fetched = read_articles_file(io.run_dir / kFetchedFile);
  // No lock needed to read: the store is only ever replaced by rename.
  // send_notifications checks again under the lock before it sends.
  const SeenStore seen = SeenStore::load(news_dir);

  std::vector<Article> fresh;
  std::unordered_set<std::string> links, titles;
  size_t already_sent = 0, duplicates = 0;
  for (const Article& a : fetched) {
    if (seen.contains(a)) {
      ++already_sent;
      continue;
    }
    const std::string key = title_key(a.title);
    const bool same_link = links.count(a.link) != 0;
    const bool same_title = !key.empty() && titles.count(key) != 0;
    if (same_link || same_title) {
      ++duplicates;
      continue;
    }
    links.insert(a.link);
    if (!key.empty()) titles.insert(key);
    fresh.push_back(a);
  }
  // Oldest first, so Slack shows the news in the order it happened.
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const Article& x, const Article& y) { return x.pub_unix < y.pub_unix; });

  write_articles_file(io.run_dir / kNewArticlesFile, fresh);
  io.host.info(std::to_string(fetched.size()) + " fetched, " + std::to_string(already_sent) +
               " already sent by earlier runs, " + std::to_string(duplicates) + " duplicates in the batch, " +
               std::to_string(fresh.size()) + " new");
  io.host.xcom_push("summary", nlohmann::json{{"fetched", fetched.size()},
                                              {"new", fresh.size()},
                                              {"already_sent", already_sent},
                                              {"duplicates", duplicates}}
                                   .dump());
}

}  // namespace dagrun::news
