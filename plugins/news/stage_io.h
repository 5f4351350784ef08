// What a stage works with besides its configuration: the host, the network,
// the clock and the run's data directory. The plugins pass the real ones;
// tests pass fakes and a temporary directory.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <dagrun/plugin.h>

#include "http_client.h"
#include "news_time.h"
#include "stage_host.h"

namespace dagrun::news {

// The files the stages hand to each other in the run's data directory.
inline constexpr const char* kFetchedFile = "fetched.json";
inline constexpr const char* kNewArticlesFile = "new_articles.json";
inline constexpr const char* kSendLedgerFile = "send_ledger.json";

struct StageIo {
  StageHost& host;
  std::filesystem::path run_dir;  // the run's data directory, shared by its tasks
  std::function<SysTime()> now = [] { return std::chrono::system_clock::now(); };
  HttpClient* http = nullptr;  // fetch_news and send_notifications
  Waiter* waiter = nullptr;    // send_notifications (Retry-After)
  // notify_failure: the failure it reports (params.callback.text); empty
  // when the plugin runs as a task rather than as a callback.
  std::string callback_text;
};

// Runs a stage body: a StageError or any other exception becomes the returned
// status and the try's error (masked, and logged too). Nothing escapes.
dagrun_status run_guarded(const StageHost& host, const std::string& stage, const std::function<void()>& body);

// Throws StageError("cancelled <when>") when the engine wants the try to stop.
void check_cancelled(const StageIo& io, const std::string& when);

// The first max_bytes of text, cut at a UTF-8 character boundary.
std::string utf8_prefix(std::string_view text, size_t max_bytes);

}  // namespace dagrun::news
