#include "web/http_server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <deque>
#include <optional>
#include <stdexcept>

// Asio's scheduler trips GCC 12's -Wnull-dereference flow analysis once
// inlined here (a thread-info pointer it checks elsewhere); the warning is
// about Boost's code, not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

namespace dagrun::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string Request::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Request to_request(const http::request<http::string_body>& req) {
  Request out;
  out.method = std::string(req.method_string());
  const std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name = lower(std::string_view(field.name_string().data(), field.name_string().size()));
    std::string value(field.value().data(), field.value().size());
    auto [it, inserted] = out.headers.emplace(std::move(name), value);
    if (!inserted) it->second += ", " + value;  // repeated headers are one list (RFC 9110 5.3)
  }
  out.body = req.body();
  return out;
}

Response error_response(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.body = "{\"error\": \"" + message + "\"}\n";  // messages here are fixed ASCII text
  return r;
}

}  // namespace

struct ServerState {
  ServerState(Handler h, Limits l) : handler(std::move(h)), limits(l), pool(std::max(1u, l.handler_threads)) {}

  Handler handler;
  Limits limits;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::atomic<std::size_t> connections{0};
  // Last member: joined (in ~Server) before the sockets its jobs refer to go.
  asio::thread_pool pool;

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server) : stream_(std::move(socket)), server_(server) {
    ++server_.connections;
  }
  ~Session() { --server_.connections; }

  void start(bool over_capacity) {
    if (over_capacity) {
      // Answered rather than dropped, so the client knows to come back.
      asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        self->write(error_response(503, "too many connections"), 11, false);
      });
      return;
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.limits.max_body);
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits.max_header));
    stream_.expires_after(server_.limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return write(error_response(413, "request body too large"), 11, false);
    if (ec == http::error::header_limit) return write(error_response(431, "request header too large"), 11, false);
    if (ec == http::error::bad_target || ec == http::error::bad_method || ec == http::error::bad_field ||
        ec == http::error::bad_value || ec == http::error::bad_version)
      return write(error_response(400, "malformed request"), 11, false);
    if (ec) return close();  // end of stream, timeout, reset: nothing to answer
    http::request<http::string_body> req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    // The handler may block on SQLite or the disk: it runs on the pool, and
    // the answer comes back to this connection's thread.
    asio::post(server_.pool, [self = shared_from_this(), request = to_request(req), version, keep_alive] {
      Response response;
      try {
        response = self->server_.handler(request);
      } catch (const std::exception&) {
        response = error_response(500, "internal error");
      }
      asio::post(self->stream_.get_executor(), [self, response = std::move(response), version, keep_alive]() mutable {
        self->write(std::move(response), version, keep_alive);
      });
    });
  }

  void write(Response r, unsigned version, bool keep_alive) {
    if (r.stream) return start_stream(std::move(r));
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
    res->set(http::field::server, "dagrun");
    res->set(http::field::content_type, r.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    res->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(server_.limits.request_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->read();
    });
  }

  // A response without an end: the headers, then whatever the sink is
  // given. Written by hand because it has no length and no chunks: it ends
  // when the connection does (RFC 9112 6.3), which is what EventSource expects.
  void start_stream(Response r) {
    stream_.expires_never();
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + " OK\r\nServer: dagrun\r\nContent-Type: " +
                       r.content_type + "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
    head += "Connection: close\r\n\r\n";
    enqueue(std::make_shared<const std::string>(std::move(head)));
    // The client sends nothing more; a read ends when it leaves.
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->close();
    });
    std::weak_ptr<Session> weak = weak_from_this();
    r.stream([weak, limit = server_.limits.max_stream_backlog](StreamText text) {
      auto self = weak.lock();
      if (!self || self->closed_.load()) return false;
      if (self->backlog_.fetch_add(text->size()) + text->size() > limit) {
        asio::post(self->stream_.get_executor(), [self] { self->close(); });
        return false;
      }
      asio::post(self->stream_.get_executor(), [self, text = std::move(text)]() mutable { self->enqueue(std::move(text)); });
      return true;
    });
  }

  void enqueue(StreamText text) {
    if (closed_) return;
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) write_next();
  }

  void write_next() {
    asio::async_write(stream_.socket(), asio::buffer(*outbox_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                        self->backlog_ -= std::min(n, self->backlog_.load());
                        if (ec) return self->close();
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty()) self->write_next();
                      });
  }

  void close() {
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  // Streaming: texts waiting to be written, in order; their size, which the
  // sink checks from other threads; and a place for what the client sends.
  std::atomic<bool> closed_{false};
  std::deque<StreamText> outbox_;
  std::atomic<std::size_t> backlog_{0};
  char discard_[512];
  std::optional<http::request_parser<http::string_body>> parser_;
  ServerState& server_;
};

}  // namespace

void ServerState::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      const bool full = connections.load() >= limits.max_connections;
      std::make_shared<Session>(std::move(socket), *this)->start(full);
    }
    accept();
  });
}

Server::Server(const std::string& address, std::uint16_t port, Handler handler, Limits limits)
    : impl_(std::make_unique<ServerState>(std::move(handler), limits)) {
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("'" + address + "' is not an IP address");
  const tcp::endpoint endpoint(ip, port);
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string("cannot ") + what + " " + address + ":" + std::to_string(port) + ": " +
                             ec.message());
  };
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(endpoint, ec);
  if (ec) fail("listen on");
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
}

Server::~Server() {
  impl_->pool.join();
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run(bool handle_signals) {
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code ec, int) {
      if (!ec) stop();
    });
  }
  impl_->accept();
  impl_->ioc.run();
}

void Server::stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->ioc.stop();
  });
}

}  // namespace dagrun::web
