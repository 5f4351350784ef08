#include "proxy/connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "proxy/create_check.h"
#include "proxy/ownership.h"
#include "proxy/request_head.h"
#include "proxy/route.h"

namespace dagrun::proxy {
namespace {

using Clock = std::chrono::steady_clock;

const char* status_text(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    default: return "Error";
  }
}

class Exchange {
 public:
  Exchange(Stream& client, const AuditEntry& who, const ProxySettings& s, AuditLog& audit)
      : client_(client), s_(s), audit_(audit), entry_(who) {}

  void run() {
    HeadParse head = read_head();
    if (head.status != HeadParse::Status::complete) return;
    entry_.method = head.head.method;
    entry_.path = head.head.target;

    RouteDecision decision = route_request(head.head.method, head.head.target);
    if (!decision.route) return deny(decision.http_status, decision.reason);
    Route& route = *decision.route;

    std::string body;
    if (!read_body(head, route, body)) return;

    std::string target;
    std::string send_body;
    try {
      switch (route.kind) {
        case RouteKind::ping:
        case RouteKind::version: target = upstream_target(route, {}); break;
        case RouteKind::list:
          if (auto problem = restrict_list(route, s_.name)) return deny(400, *problem);
          target = upstream_target(route, {});
          break;
        case RouteKind::create: {
          CreateVerdict v = check_create_body(body, s_.policy, s_.home, s_.name);
          entry_.dag_id = v.dag_id;
          if (!v.allowed) return deny(v.http_status, v.reason);
          send_body = std::move(v.body);
          target = upstream_target(route, {});
          break;
        }
        case RouteKind::container: {
          Ownership o = check_owner(s_.upstream, route, s_.name);
          if (!o.full_id) return deny(o.http_status, o.reason);
          entry_.container = *o.full_id;
          target = upstream_target(route, *o.full_id);
          break;
        }
      }
    } catch (const UpstreamError& e) {
      return deny(502, e.what());
    }
    forward(head.head, route, target, send_body);
  }

 private:
  HeadParse read_head() {
    const auto deadline = Clock::now() + s_.head_timeout;
    for (;;) {
      HeadParse p = parse_request_head(buf_);
      if (p.status == HeadParse::Status::refused) {
        entry_.method = p.head.method;
        entry_.path = p.head.target;
        deny(p.http_status, p.reason);
        return p;
      }
      if (p.status == HeadParse::Status::complete) return p;
      int r = read_some(client_, buf_, deadline);
      if (r == 0) {
        if (!buf_.empty()) audit(false, 400, "the client closed the connection inside the request head");
        return p;
      }
      if (r < 0) {
        deny(408, "the request head did not arrive within " + std::to_string(s_.head_timeout.count() / 1000) + " s");
        return p;
      }
    }
  }

  bool read_body(const HeadParse& head, const Route& route, std::string& body) {
    const std::uint64_t length = head.head.content_length;
    const bool upgrade = route.kind == RouteKind::container && route.op == "attach" && head.head.upgrade_tcp;
    if (head.head.upgrade_tcp && !upgrade) {
      deny(400, "only attach may upgrade its connection");
      return false;
    }
    if (length > 0 && route.kind != RouteKind::create) {
      deny(400, "only create takes a request body");
      return false;
    }
    if (route.kind == RouteKind::create && length == 0) {
      deny(400, "create needs a JSON body with a Content-Length");
      return false;
    }
    if (length > s_.max_body) {
      deny(413, "the body's " + std::to_string(length) + " bytes are more than the limit of " +
                    std::to_string(s_.max_body));
      return false;
    }
    if (head.head.expect_continue && length > 0 && !client_.write_all("HTTP/1.1 100 Continue\r\n\r\n"))
      return false;
    const auto deadline = Clock::now() + s_.body_timeout;
    while (buf_.size() < head.head_bytes + length) {
      int r = read_some(client_, buf_, deadline);
      if (r == 0) {
        audit(false, 400, "the client closed the connection inside the body");
        return false;
      }
      if (r < 0) {
        deny(408, "the body did not arrive within " + std::to_string(s_.body_timeout.count() / 1000) + " s");
        return false;
      }
    }
    // Bytes past the declared length are not part of this request: a second
    // request smuggled behind the first, or a body longer than it says.
    // Attach's stdin excepted, which the container reads.
    if (buf_.size() > head.head_bytes + length && !upgrade) {
      deny(400, "bytes beyond the request's declared length (a second request on the same connection?)");
      return false;
    }
    body = buf_.substr(head.head_bytes, length);
    buf_.erase(0, head.head_bytes + length);
    return true;
  }

  void forward(const RequestHead& head, const Route& route, const std::string& target, const std::string& body) {
    const bool upgrade = route.kind == RouteKind::container && route.op == "attach" && head.upgrade_tcp;
    std::string request = head.method + " " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: dagrun-docker-proxy\r\n";
    if (!body.empty())
      request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    else if (head.method == "POST")
      request += "Content-Length: 0\r\n";
    request += upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" : "Connection: close\r\n\r\n";
    request += body;

    std::unique_ptr<Stream> up;
    try {
      up = s_.upstream.connect();
    } catch (const UpstreamError& e) {
      return deny(502, e.what());
    }
    if (!up->write_all(request)) return deny(502, "the Docker daemon closed the connection");
    if (upgrade && !buf_.empty() && !up->write_all(buf_)) return deny(502, "the Docker daemon closed the connection");
    buf_.clear();
    relay(*up, route.op == "attach");
    client_.shutdown_write();
  }

  // Copies the daemon's answer to the client until the daemon closes; for
  // attach, the client's bytes go the other way too. A client that goes
  // away ends it (closing the daemon's side ends a wait or an attach there).
  void relay(Stream& up, bool both_ways) {
    std::string first;  // the answer's start, for the audit line
    bool logged = false;
    bool client_open = true;
    char chunk[65536];
    for (;;) {
      // Bytes a TLS stream already holds are not seen by poll().
      bool up_ready = up.buffered();
      bool client_ready = client_open && client_.buffered();
      if (!up_ready && !client_ready) {
        pollfd p[2] = {{up.fd(), POLLIN, 0},
                       {client_.fd(), static_cast<short>(client_open ? POLLIN | POLLRDHUP : 0), 0}};
        int r = ::poll(p, 2, -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        up_ready = p[0].revents & (POLLIN | POLLHUP | POLLERR);
        client_ready = client_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP));
      }
      if (up_ready) {
        long n = up.read(chunk, sizeof chunk);
        if (n <= 0 && n != Stream::kAgain) break;
        if (n > 0) {
          if (!logged) {
            first.append(chunk, static_cast<size_t>(std::min<long>(n, 4096)));
            if (first.find("\r\n\r\n") != std::string::npos || first.size() >= 4096) {
              log_answer(first);
              logged = true;
            }
          }
          if (!client_.write_all(std::string_view(chunk, static_cast<size_t>(n)))) break;
        }
      }
      if (client_ready) {
        long n = client_.read(chunk, sizeof chunk);
        if (n == Stream::kAgain) continue;
        if (n <= 0) {
          // The client is done: an attach's daemon side still has output to
          // send; anything else has no one left to answer.
          if (!both_ways) break;
          up.shutdown_write();
          client_open = false;
        } else if (both_ways) {
          if (!up.write_all(std::string_view(chunk, static_cast<size_t>(n)))) break;
        }
        // Anything else a client sends after its request is dropped unread.
      }
    }
    // A daemon that closed without a byte (it refused the proxy's TLS
    // certificate after the handshake, or died) leaves the client an answer
    // that says so, not a bare close.
    if (first.empty()) return deny(502, "the Docker daemon closed the connection without an answer");
    if (!logged) log_answer(first);
  }

  void log_answer(const std::string& start) {
    int status = response_status(start);
    std::string reason = "forwarded";
    // A created container's id, from the answer's body when it came whole.
    if (entry_.method == "POST" && status == 201) {
      size_t body = start.find("\r\n\r\n");
      if (body != std::string::npos) {
        auto j = nlohmann::json::parse(start.substr(body + 4), nullptr, false);
        if (j.is_object() && j.contains("Id") && j["Id"].is_string()) entry_.container = j["Id"].get<std::string>();
      }
    }
    audit(true, status, reason);
  }

  void deny(int status, const std::string& reason) {
    audit(false, status, reason);
    std::string body = nlohmann::json({{"message", "dagrun docker-proxy: " + reason}})
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
                         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
    client_.write_all(answer);
    // The client may still be sending a body the proxy will not read.
    // Closing with its bytes unread would reset the connection, and the
    // client could lose the answer: they are read and dropped for a moment.
    client_.shutdown_write();
    const auto until = Clock::now() + std::chrono::seconds(2);
    std::string sink;
    while (sink.size() < (4u << 20) && read_some(client_, sink, std::min(until, Clock::now() + std::chrono::milliseconds(300))) > 0)
      sink.clear();
  }

  void audit(bool allowed, int status, const std::string& reason) {
    entry_.allowed = allowed;
    entry_.status = status;
    entry_.reason = reason;
    audit_.write(entry_);
  }

  Stream& client_;
  const ProxySettings& s_;
  AuditLog& audit_;
  AuditEntry entry_;
  std::string buf_;
};

}  // namespace

void serve_connection(Stream& client, const AuditEntry& who, const ProxySettings& settings, AuditLog& audit) {
  Exchange(client, who, settings, audit).run();
}

}  // namespace dagrun::proxy
