// notify_failure: the news bot's on_failure callback (docs/news-bot.md,
// docs/callbacks.md). Posts the engine's line about the failure to the same
// Slack webhook the articles go to, so whoever reads the channel hears of a
// run that failed the moment the engine does.
#pragma once

#include "config.h"
#include "stage_io.h"

namespace dagrun::news {

// Needs SLACK_WEBHOOK_URL and io.http; io.callback_text is what to post (a
// try run by hand rather than by the engine's callback says so instead).
// One POST: a status other than 200 or a transport failure throws, and the
// engine's dispatcher tries again later.
void notify_failure(const NewsConfig& config, StageIo& io);

}  // namespace dagrun::news
