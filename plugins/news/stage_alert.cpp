#include "stage_alert.h"

#include "slack_message.h"
#include "stage_error.h"

namespace dagrun::news {

void notify_failure(const NewsConfig& config, StageIo& io) {
  const std::string& webhook = config.require("SLACK_WEBHOOK_URL");
  const std::string what =
      io.callback_text.empty() ? "notify_failure ran without a failure to report (it is an on_failure callback)"
                               : io.callback_text;
  HttpRequest request;
  request.method = "POST";
  request.url = webhook;
  request.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  request.body = slack_payload(":rotating_light: " + slack_escape(utf8_prefix(what, 3000)));
  check_cancelled(io, "before posting the alert");
  const HttpResponse r = io.http->send(request);
  if (r.cancelled) throw StageError("cancelled while posting the alert to slack");
  if (r.transport_failed()) throw StageError("slack post to " + webhook + " failed: " + r.error);
  if (r.status != 200)
    throw StageError("slack refused the alert (" + std::to_string(r.status) + "): " +
                     (r.body.empty() ? "empty body" : r.body));
  io.host.info("posted the alert to slack");
}

}  // namespace dagrun::news
