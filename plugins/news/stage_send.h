// send_notifications: posts new_articles.json to Slack, appends it to the
// day's CSV and marks it seen, exactly once across retries and runs (see
// docs/news-bot.md for the limits).
#pragma once

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

// Needs SLACK_WEBHOOK_URL and NEWS_DATA_DIR; io.http and io.waiter.
// Under the NEWS_DATA_DIR lock, for each batch of NEWS_SLACK_BATCH (default
// 10) articles not yet in the run's ledger nor in the seen-store: POST, then
// CSV rows, then the seen-store, then the ledger. A 429 waits Retry-After (at
// most NEWS_SLACK_MAX_WAIT, 3 times per batch); 5xx and transport failures
// fail the try for the engine to retry; other statuses fail without retry.
// Pushes XCom "summary" {"sent", "messages", "sent_by_earlier_try",
// "sent_by_other_run", "csv"}.
void send_notifications(const NewsConfig& config, StageIo& io);

}  // namespace dagrun::news
