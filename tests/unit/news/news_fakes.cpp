#include "news_fakes.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace dagrun::news::testing {

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Rig::Rig() : now(fixed_now()) {
  values = {{"NAVER_CLIENT_ID", "client-id-1234"},
            {"NAVER_CLIENT_SECRET", "client-secret-5678"},
            {"NEWS_KEYWORDS", "서울 지하철,지하철 파업"},
            {"NAVER_API_URL", "http://naver.test/v1/search/news.json"},
            {"SLACK_WEBHOOK_URL", "http://slack.test/services/T0001/B0002/SECRETPATH"},
            {"NEWS_DATA_DIR", news_dir.path().string()}};
}

StageIo Rig::io() {
  StageIo io{stage_host, run_dir.path()};
  io.now = [this] { return now; };
  io.http = &http;
  io.waiter = &waiter;
  return io;
}

dagrun_status Rig::run(void (*stage)(const NewsConfig&, StageIo&), const std::string& name) {
  const NewsConfig c = config();
  stage_host.set_masker(c.masker());
  StageIo stage_io = io();
  return run_guarded(stage_host, name, [&] { stage(c, stage_io); });
}

SysTime fixed_now() {
  using namespace std::chrono;
  return sys_days{year{2026} / 11 / 29} + hours{3};
}

std::string naver_item(const std::string& title, const std::string& link, const std::string& pub_date,
                       const std::string& originallink, const std::string& description) {
  return nlohmann::json{{"title", title},
                        {"originallink", originallink.empty() ? link + "?orig" : originallink},
                        {"link", link},
                        {"description", description},
                        {"pubDate", pub_date}}
      .dump();
}

std::string naver_body(const std::vector<std::string>& items) {
  std::string body = R"({"lastBuildDate":"Sun, 29 Nov 2026 12:00:00 +0900","total":)" +
                     std::to_string(items.size()) + R"(,"start":1,"display":)" + std::to_string(items.size()) +
                     R"(,"items":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}

}  // namespace dagrun::news::testing
