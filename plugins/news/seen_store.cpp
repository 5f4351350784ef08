#include "seen_store.h"

#include <nlohmann/json.hpp>

#include "files.h"
#include "stage_error.h"
#include "title_key.h"

namespace dagrun::news {

using nlohmann::json;

SeenStore SeenStore::load(const std::filesystem::path& dir) {
  SeenStore store;
  store.path_ = dir / kSeenFile;
  const auto text = read_file(store.path_);
  if (!text) return store;
  const std::string name = store.path_.string();
  const json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw StageError(name + ": not a JSON object");
  const json version = doc.value("version", json());
  if (!version.is_number_integer() || version.get<int>() != kSeenFileVersion)
    throw config_error(name + ": unsupported version " + version.dump() + " (this plugin reads version " +
                       std::to_string(kSeenFileVersion) + ")");
  const auto list = doc.find("entries");
  if (list == doc.end() || !list->is_array()) throw StageError(name + ": no 'entries' list");
  for (const json& item : *list) {
    try {
      Entry e{item.at("link").get<std::string>(), item.at("title_key").get<std::string>(),
              item.at("sent_at").get<std::int64_t>()};
      store.index(e);
      store.entries_.push_back(std::move(e));
    } catch (const json::exception& e) {
      throw StageError(name + ": entry " + std::to_string(store.entries_.size() + 1) + ": " + e.what());
    }
  }
  return store;
}

void SeenStore::index(const Entry& e) {
  links_.insert(e.link);
  if (!e.title_key.empty()) ++titles_[e.title_key];
}

bool SeenStore::contains(const Article& article) const {
  if (links_.count(article.link) != 0) return true;
  const std::string key = title_key(article.title);
  return !key.empty() && titles_.count(key) != 0;
}

void SeenStore::add(const Article& article, SysTime sent_at) {
  if (links_.count(article.link) != 0) return;
  Entry e{article.link, title_key(article.title),
          std::chrono::duration_cast<std::chrono::seconds>(sent_at.time_since_epoch()).count()};
  index(e);
  entries_.push_back(std::move(e));
}

size_t SeenStore::prune(SysTime cutoff) {
  const std::int64_t limit = std::chrono::duration_cast<std::chrono::seconds>(cutoff.time_since_epoch()).count();
  std::vector<Entry> kept;
  for (Entry& e : entries_) {
    if (e.sent_at >= limit) kept.push_back(std::move(e));
  }
  const size_t removed = entries_.size() - kept.size();
  entries_.clear();
  links_.clear();
  titles_.clear();
  for (Entry& e : kept) {
    index(e);
    entries_.push_back(std::move(e));
  }
  return removed;
}

void SeenStore::save() const {
  json list = json::array();
  for (const Entry& e : entries_)
    list.push_back({{"link", e.link}, {"title_key", e.title_key}, {"sent_at", e.sent_at}});
  const json doc = {{"version", kSeenFileVersion}, {"entries", list}};
  write_file_atomic(path_, doc.dump(0, ' ', false, json::error_handler_t::replace) + '\n');
}

}  // namespace dagrun::news
