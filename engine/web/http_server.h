// The HTTP/1.1 server under `dagrun serve`: Boost.Beast on one Asio thread, so
// an idle or slow connection costs a socket and a buffer, never a thread.
// Handlers (which read SQLite and DAG files, and may block) run on a small
// pool and their answers are written back on the connection's own thread.
// Beast stays inside http_server.cpp: the rest of web/ sees these plain types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dagrun::web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target before '?', still percent-encoded
  std::string query;   // after '?', still percent-encoded; empty when none
  std::map<std::string, std::string, std::less<>> headers;  // names in lower case
  std::string body;

  // The header's value, or empty when absent.
  std::string header(std::string_view name) const;
};

// Queues text on a streaming response's connection (any thread); false once
// the client is gone or has let too much pile up, when it is dropped. Shared,
// not copied: one event goes to every client as the same bytes.
using StreamText = std::shared_ptr<const std::string>;
using StreamSink = std::function<bool(StreamText)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a response that stays open (server-sent events): after the
  // headers, the server calls it once with the connection's sink, and the
  // connection then lives until the client leaves or the sink is refused.
  std::function<void(StreamSink)> stream;
};

using Handler = std::function<Response(const Request&)>;

// What one client may cost the server. A request must arrive whole within
// request_timeout (a client that sends slowly cannot hold a connection), an
// idle keep-alive connection is closed after the same time, and connections
// beyond max_connections are answered 503 and closed.
struct Limits {
  std::size_t max_body = 1 << 20;      // 413 beyond it
  std::size_t max_header = 16 << 10;   // 431 beyond it
  std::chrono::seconds request_timeout{30};
  std::size_t max_connections = 1024;
  // A streaming client that lets this much go unread is dropped (it may
  // reconnect and resume): a stalled client cannot make the server buffer
  // without bound.
  std::size_t max_stream_backlog = 4 << 20;
  unsigned handler_threads = 2;
};

struct ServerState;  // http_server.cpp: the Asio and Beast objects

class Server {
 public:
  // Binds address:port (port 0: any free port, see port()). Throws
  // std::runtime_error naming the address when it cannot listen.
  Server(const std::string& address, std::uint16_t port, Handler handler, Limits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;

  // Serves until stop(), and with handle_signals until SIGINT or SIGTERM
  // too (taken with Asio's signal_set only while this runs). Without, the
  // caller handles them: it has blocked them in every thread, as an engine
  // does (run/signals.h), and calls stop().
  void run(bool handle_signals = true);
  // Makes run() return; safe from any thread.
  void stop();

 private:
  std::unique_ptr<ServerState> impl_;
};

}  // namespace dagrun::web
