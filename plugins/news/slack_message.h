// Slack incoming-webhook messages for a list of articles: mrkdwn text with one
// <url|title> link per article, several articles per message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "article.h"

namespace dagrun::news {

// Escapes &, < and > as Slack requires in message text (and only those).
std::string slack_escape(std::string_view text);

// "<url|label>": both escaped; a '|' in the URL is percent-encoded since it
// would end the URL part.
std::string slack_link(std::string_view url, std::string_view label);

// "• *[keyword]* <url|title> (2026-11-29 10:00)"
std::string slack_article_line(const Article& article);

// Splits articles into consecutive groups of at most batch_size (>= 1).
std::vector<std::vector<Article>> slack_batches(const std::vector<Article>& articles, size_t batch_size);

// The text of one message: a header saying which articles of how many it
// holds ("*새 기사* 11-20 / 23"), then one line per article.
std::string slack_batch_text(const std::vector<Article>& batch, size_t first_number, size_t total);

// The webhook's JSON body: {"text": ..., "unfurl_links": false, "unfurl_media": false}
// (no link previews: ten previews would bury the list).
std::string slack_payload(std::string_view text);

}  // namespace dagrun::news
