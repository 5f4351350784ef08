// notify_failure, the news bot's on_failure callback: one POST of the
// engine's line to the Slack webhook, escaped, and a failure the engine's
// dispatcher retries. params.callback reaches it through TaskParams.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "news/stage_alert.h"
#include "news_fakes.h"

using namespace dagrun::news;
using namespace dagrun::news::testing;

namespace {

dagrun_status alert(Rig& rig, const std::string& text) {
  const NewsConfig c = rig.config();
  rig.stage_host.set_masker(c.masker());
  StageIo io = rig.io();
  io.callback_text = text;
  return run_guarded(rig.stage_host, "notify_failure", [&] { notify_failure(c, io); });
}

}  // namespace

TEST_CASE("notify_failure posts the engine's line to the Slack webhook, escaped") {
  Rig rig;
  CHECK(alert(rig, "dagrun: run 'r' of DAG 'd' failed: task 'a' failed: <oops> & more") == DAGRUN_SUCCESS);
  REQUIRE(rig.http.requests.size() == 1);
  const HttpRequest& r = rig.http.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "http://slack.test/services/T0001/B0002/SECRETPATH");
  CHECK(nlohmann::json::parse(r.body)["text"] ==
        ":rotating_light: dagrun: run 'r' of DAG 'd' failed: task 'a' failed: &lt;oops&gt; &amp; more");
}

TEST_CASE("notify_failure fails for the engine to retry when Slack does not take it, without the secret") {
  Rig rig;
  rig.http.script.push_back(respond(500, "oops"));
  CHECK(alert(rig, "x") == DAGRUN_FAILED);
  CHECK(rig.host.error == "notify_failure: slack refused the alert (500): oops");
  rig.http.script.push_back(network_error("Connection refused"));
  CHECK(alert(rig, "x") == DAGRUN_FAILED);
  CHECK(rig.host.error.find("Connection refused") != std::string::npos);
  CHECK(rig.host.everything().find("SECRETPATH") == std::string::npos);
}

TEST_CASE("params.callback is the engine's event: its text reaches the stage, anything else is refused") {
  const TaskParams p = parse_task_params(R"({"env_file": ".env", "callback": {"text": "t", "event": "failure"}})");
  CHECK(p.callback_text == "t");
  CHECK(p.env_file == ".env");
  CHECK_THROWS_WITH(parse_task_params(R"({"callback": "t"})"),
                    "params.callback: expected the engine's event, an object with a text");
  CHECK_FALSE(parse_task_params(R"({"env_file": ".env"})").callback_text);
}
