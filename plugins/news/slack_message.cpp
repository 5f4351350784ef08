#include "slack_message.h"

#include <nlohmann/json.hpp>

namespace dagrun::news {

std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string slack_link(std::string_view url, std::string_view label) {
  std::string safe_url;
  for (char c : url) {
    if (c == '|')
      safe_url += "%7C";
    else
      safe_url += c;
  }
  return "<" + slack_escape(safe_url) + "|" + slack_escape(label) + ">";
}

std::string slack_article_line(const Article& a) {
  std::string line = "• *[" + slack_escape(a.keyword) + "]* " + slack_link(a.best_url(), a.title);
  // "2026-11-29T10:00:00+09:00" -> "2026-11-29 10:00", in the time zone Naver gave.
  if (a.pub_date.size() >= 16) line += " (" + a.pub_date.substr(0, 10) + " " + a.pub_date.substr(11, 5) + ")";
  return line;
}

std::vector<std::vector<Article>> slack_batches(const std::vector<Article>& articles, size_t batch_size) {
  if (batch_size == 0) batch_size = 1;
  std::vector<std::vector<Article>> out;
  for (size_t i = 0; i < articles.size(); i += batch_size) {
    const size_t end = std::min(articles.size(), i + batch_size);
    out.emplace_back(articles.begin() + static_cast<std::ptrdiff_t>(i),
                     articles.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

std::string slack_batch_text(const std::vector<Article>& batch, size_t first_number, size_t total) {
  std::string text = "*새 기사* ";
  const size_t last = first_number + batch.size() - 1;
  text += first_number == last ? std::to_string(first_number) : std::to_string(first_number) + "-" + std::to_string(last);
  text += " / " + std::to_string(total);
  for (const Article& a : batch) text += "\n" + slack_article_line(a);
  return text;
}

std::string slack_payload(std::string_view text) {
  const nlohmann::json body = {{"text", text}, {"unfurl_links", false}, {"unfurl_media", false}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dagrun::news
