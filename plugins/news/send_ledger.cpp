#include "send_ledger.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "csv_file.h"
#include "files.h"
#include "stage_error.h"

namespace dagrun::news {

using nlohmann::json;

SendLedger SendLedger::open(const std::filesystem::path& path, const std::string& day_stamp) {
  SendLedger ledger;
  ledger.path_ = path;
  const auto text = read_file(path);
  if (!text) {
    ledger.csv_file_ = csv_file_name(day_stamp);
    ledger.save();
    return ledger;
  }
  const json doc = json::parse(*text, nullptr, false);
  const std::string name = path.string();
  if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != kLedgerVersion)
    throw StageError(name + ": not a version " + std::to_string(kLedgerVersion) + " send ledger");
  try {
    ledger.csv_file_ = doc.at("csv_file").get<std::string>();
    for (const json& link : doc.at("sent")) ledger.sent_.insert(link.get<std::string>());
  } catch (const json::exception& e) {
    throw StageError(name + ": " + e.what());
  }
  // The name is joined to NEWS_DATA_DIR: only the bot's own pattern is allowed.
  if (!is_csv_file_name(ledger.csv_file_))
    throw StageError(name + ": csv_file '" + ledger.csv_file_ + "' is not news_YYYYMMDD.csv");
  return ledger;
}

void SendLedger::save() const {
  std::vector<std::string> links(sent_.begin(), sent_.end());
  std::sort(links.begin(), links.end());
  const json doc = {{"version", kLedgerVersion}, {"csv_file", csv_file_}, {"sent", links}};
  write_file_atomic(path_, doc.dump(1, '\t', false, json::error_handler_t::replace) + '\n');
}

}  // namespace dagrun::news
