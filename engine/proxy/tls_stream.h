// TLS for the proxy's TCP side, with OpenSSL (Debian's libssl, the library
// dockerd's peers and libcurl use too): a listener that demands a client
// certificate signed by its CA (mutual TLS, as dockerd's --tlsverify), and a
// client to a daemon listening on tcp:// with --tlsverify.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "base/unique_fd.h"
#include "proxy/stream.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace dagrun::proxy {

class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TlsFiles {
  std::filesystem::path ca;    // the CA that signs the peer's certificate; empty: the system's (client only)
  std::filesystem::path cert;  // this side's certificate (chain); empty: none (client only)
  std::filesystem::path key;
};

// One SSL_CTX, shared by every connection's thread (OpenSSL locks it).
// TLS 1.2 at least; no renegotiation.
class TlsContext {
 public:
  // A listener: cert, key and ca are all required; a client without a
  // certificate from ca is refused in the handshake. Throws TlsError.
  static std::shared_ptr<TlsContext> server(const TlsFiles& files);
  // A client: verifies the server against ca and presents cert when given.
  static std::shared_ptr<TlsContext> client(const TlsFiles& files);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

class TlsStream final : public Stream {
 public:
  // The server's side of a handshake on an accepted socket; throws TlsError
  // (with OpenSSL's reason: no certificate, an unknown CA, a timeout).
  static std::unique_ptr<TlsStream> accept(std::shared_ptr<TlsContext> ctx, UniqueFd fd,
                                           std::chrono::steady_clock::time_point deadline);
  // The client's side; the server's certificate must name host (a DNS name
  // or an IP address). Throws TlsError.
  static std::unique_ptr<TlsStream> connect(std::shared_ptr<TlsContext> ctx, UniqueFd fd, const std::string& host,
                                            std::chrono::steady_clock::time_point deadline);
  ~TlsStream() override;

  int fd() const override { return fd_.get(); }
  bool buffered() const override;
  long read(char* buf, std::size_t size) override;
  bool write_all(std::string_view data) override;
  void shutdown_write() override;  // close_notify, then the socket's write side

  // The peer certificate's subject ("/CN=dagrun client"), or "".
  std::string peer_subject() const;

 private:
  TlsStream(std::shared_ptr<TlsContext> ctx, UniqueFd fd);
  void handshake(bool server, std::chrono::steady_clock::time_point deadline);

  std::shared_ptr<TlsContext> ctx_;
  UniqueFd fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace dagrun::proxy
