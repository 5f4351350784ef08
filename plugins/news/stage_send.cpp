#include "stage_send.h"

#include <cerrno>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "csv_file.h"
#include "dir_lock.h"
#include "seen_store.h"
#include "send_ledger.h"
#include "slack_message.h"
#include "stage_error.h"

namespace dagrun::news {
namespace {

constexpr int kMaxRateLimitWaits = 3;

struct SlackTarget {
  std::string webhook;
  std::chrono::milliseconds max_wait;
};

// Retry-After in seconds (Slack sends an integer); 1 when absent or unreadable.
long retry_after_seconds(const HttpResponse& r) {
  const auto value = r.header("Retry-After");
  if (!value) return 1;
  char* end = nullptr;
  errno = 0;
  const long seconds = std::strtol(value->c_str(), &end, 10);
  return (errno != 0 || end == value->c_str() || seconds < 0) ? 1 : seconds;
}

// Posts one message; returns once Slack accepted it, or throws.
void post(const SlackTarget& slack, const std::string& text, StageIo& io) {
  HttpRequest request;
  request.method = "POST";
  request.url = slack.webhook;
  request.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  request.body = slack_payload(text);
  for (int waits = 0;; ++waits) {
    const HttpResponse r = io.http->send(request);
    if (r.cancelled) throw StageError("cancelled while posting to slack");
    if (r.transport_failed()) throw StageError("slack post to " + slack.webhook + " failed: " + r.error);
    if (r.status == 200) return;
    const std::string detail = "(" + std::to_string(r.status) + "): " + (r.body.empty() ? "empty body" : r.body);
    if (r.status == 429) {
      const long seconds = retry_after_seconds(r);
      const auto wait = std::chrono::seconds(seconds);
      if (wait > slack.max_wait)
        throw StageError("slack rate limited the webhook and asks to wait " + std::to_string(seconds) +
                         "s, more than NEWS_SLACK_MAX_WAIT (" + std::to_string(slack.max_wait.count() / 1000) +
                         "s)");
      if (waits == kMaxRateLimitWaits)
        throw StageError("slack still rate limited the webhook after " + std::to_string(waits) + " waits");
      io.host.warn("slack rate limited the webhook; waiting " + std::to_string(seconds) + "s as Retry-After asks");
      if (!io.waiter->wait(wait, io.host)) throw StageError("cancelled while waiting for slack's rate limit");
      continue;
    }
    if (r.status >= 500) throw StageError("slack server error " + detail);
    throw config_error("slack refused the message " + detail);
  }
}

std::vector<std::string> links_of(const std::vector<Article>& articles) {
  std::vector<std::string> out;
  for (const Article& a : articles) out.push_back(a.link);
  return out;
}

// After Slack accepted them: CSV rows, then the seen-store, then the ledger.
// Each write is idempotent, so repeating this for the same articles is harmless.
void commit(const std::vector<Article>& articles, const std::filesystem::path& csv, SeenStore& seen,
            SendLedger& ledger, SysTime now) {
  append_articles_csv(csv, articles);
  for (const Article& a : articles) seen.add(a, now);
  seen.save();
  ledger.record(links_of(articles));
}

}  // namespace

void send_notifications(const NewsConfig& config, StageIo& io) {
  const SlackTarget slack{config.require("SLACK_WEBHOOK_URL"), config.get_seconds("NEWS_SLACK_MAX_WAIT", 30, 600)};
  const std::filesystem::path news_dir = config.news_data_dir();
  const auto batch_size = static_cast<size_t>(config.get_int("NEWS_SLACK_BATCH", 10, 1, 50));
  const std::vector<Article> articles = read_articles_file(io.run_dir / kNewArticlesFile);
  SendLedger ledger = SendLedger::open(io.run_dir / kSendLedgerFile, kst_day_stamp(io.now()));

  std::error_code ec;
  std::filesystem::create_directories(news_dir, ec);
  if (ec) throw StageError("cannot create NEWS_DATA_DIR " + news_dir.string() + ": " + ec.message());
  const DirLock lock(news_dir, io.host);
  SeenStore seen = SeenStore::load(news_dir);
  const std::filesystem::path csv = news_dir / ledger.csv_file();

  // Sent by an earlier try of this run: make sure its rows and seen entries
  // exist (that try may have died between the writes), never send again.
  std::vector<Article> earlier, pending;
  size_t other_run = 0;
  for (const Article& a : articles) {
    if (ledger.sent(a.link))
      earlier.push_back(a);
    else if (seen.contains(a))
      ++other_run;  // another run sent it since filter_duplicates looked
    else
      pending.push_back(a);
  }
  if (!earlier.empty()) commit(earlier, csv, seen, ledger, io.now());

  const auto batches = slack_batches(pending, batch_size);
  size_t sent = 0;
  for (const auto& batch : batches) {
    check_cancelled(io, "before posting to slack");
    post(slack, slack_batch_text(batch, sent + 1, pending.size()), io);
    commit(batch, csv, seen, ledger, io.now());
    sent += batch.size();
    io.host.info("posted " + std::to_string(batch.size()) + " articles to " + slack.webhook + " (" +
                 std::to_string(sent) + "/" + std::to_string(pending.size()) + ")");
  }
  io.host.info(std::to_string(sent) + " articles sent in " + std::to_string(batches.size()) + " messages, " +
               std::to_string(earlier.size()) + " sent by an earlier try, " + std::to_string(other_run) +
               " sent by another run; CSV " + csv.string());
  io.host.xcom_push("summary", nlohmann::json{{"sent", sent},
                                              {"messages", batches.size()},
                                              {"sent_by_earlier_try", earlier.size()},
                                              {"sent_by_other_run", other_run},
                                              {"csv", ledger.csv_file()}}
                                   .dump());
}

}  // namespace dagrun::news
