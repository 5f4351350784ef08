// dagrun serve [--listen ADDR:PORT] [--auth FILE] [--with-scheduler]: the
// REST API (docs/api.md) over HTTP, until SIGINT or SIGTERM; with the
// scheduler in the same process, so one command runs an installation. Without a token file it listens on
// loopback only: anyone who can reach it could trigger runs.
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli/foreground_scheduler.h"
#include "cli/verbs.h"
#include "web/api.h"
#include "web/event_hub.h"
#include "web/history_events.h"
#include "web/http_server.h"
#include "web/tokens.h"

namespace dagrun::cli {
namespace {

// 8080 is Airflow's and Dagu's; 8793 is Airflow's log server.
constexpr std::uint16_t kDefaultPort = 8778;

struct ListenAddress {
  std::string host;
  std::uint16_t port = kDefaultPort;
};

ListenAddress parse_listen(const std::string& text) {
  ListenAddress out;
  std::string port;
  if (!text.empty() && text.front() == '[') {  // [::1]:8778
    const size_t close = text.find(']');
    if (close == std::string::npos) throw UsageError("--listen '" + text + "': missing ']'");
    out.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw UsageError("--listen '" + text + "': expected ':PORT' after ']'");
      port = text.substr(close + 2);
    }
  } else {
    const size_t colon = text.rfind(':');
    out.host = text.substr(0, colon);
    if (colon != std::string::npos) port = text.substr(colon + 1);
  }
  if (out.host.empty() || out.host == "localhost") out.host = "127.0.0.1";
  if (!port.empty()) {
    size_t used = 0;
    int n = -1;
    try {
      n = std::stoi(port, &used);
    } catch (const std::exception&) {
    }
    if (used != port.size() || n < 0 || n > 65535)
      throw UsageError("--listen '" + text + "': the port must be a number from 0 to 65535");
    out.port = static_cast<std::uint16_t>(n);
  }
  return out;
}

}  // namespace

int verb_serve(Context& ctx) {
  const ListenAddress listen = parse_listen(ctx.args.value("listen").value_or("127.0.0.1"));
  const bool loopback = listen.host == "127.0.0.1" || listen.host == "::1";
  std::optional<web::Tokens> tokens;
  if (auto file = ctx.args.value("auth")) tokens = web::Tokens::load(*file);
  if (!loopback && !tokens) {
    std::cerr << "dagrun serve: refusing to listen on " << listen.host
              << " without --auth FILE: anyone who reaches the API could trigger runs; give a token file "
                 "(docs/api.md) or listen on 127.0.0.1 or [::1]\n";
    return kExitUsage;
  }
  web::EventHub hub;
  web::Api api({ctx.home, loopback, tokens ? &*tokens : nullptr, &hub});
  const std::string shown = listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  std::unique_ptr<web::Server> server;
  std::unique_ptr<web::HistoryEvents> history_events;
  // Binds and says where; the history's events start after the server, and
  // stop before it goes, so nothing publishes to connections being torn down.
  auto open = [&] {
    server = std::make_unique<web::Server>(listen.host, listen.port,
                                           [&api](const web::Request& r) { return api.handle(r); });
    history_events = std::make_unique<web::HistoryEvents>(ctx.home, hub);
    // Tests and scripts read the port from this line when they asked for port 0.
    std::cout << "dagrun serve: listening on http://" << shown << ":" << server->port() << "/" << std::endl;
  };
  auto close = [&] {
    history_events.reset();
    server.reset();
    std::cout << "dagrun serve: stopped" << std::endl;
  };
  if (!ctx.args.has("with-scheduler")) {
    open();
    server->run();
    close();
    return kExitOk;
  }
  // The scheduler's engine reads SIGINT and SIGTERM; the server runs on a
  // thread of its own and stops once the scheduler has drained its runs.
  std::thread web_thread;
  const Alongside alongside{[&] {
                              open();
                              web_thread = std::thread([&] { server->run(false); });
                            },
                            [&] {
                              if (!server) return;
                              server->stop();
                              web_thread.join();
                              close();
                            }};
  return run_foreground_scheduler(ctx, parse_grace(ctx.args), &alongside);
}

}  // namespace dagrun::cli
