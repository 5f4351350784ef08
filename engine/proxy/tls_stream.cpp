#include "proxy/tls_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace dagrun::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// OpenSSL writes to the socket with write(), which raises SIGPIPE when the
// peer has gone. The signal is blocked in this thread while OpenSSL writes,
// and one it raised is taken before the mask is restored (what libpq does),
// so a proxy never dies of a client that hung up and needs no process-wide
// SIG_IGN that the tasks it starts would inherit.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

// OpenSSL's queued reasons, most specific first ("certificate verify failed").
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    char buf[256];
    if (!reason) {
      ERR_error_string_n(e, buf, sizeof buf);
      reason = buf;
    }
    if (!out.empty()) out += "; ";
    out += reason;
  }
  return out;
}

SSL_CTX* new_ctx(const SSL_METHOD* method) {
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (!ctx) throw TlsError("cannot create a TLS context: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A peer that closes without close_notify ends the stream: an HTTP answer
  // with a length is whole either way, and the proxy frames every answer.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

void load_identity(SSL_CTX* ctx, const TlsFiles& f) {
  if (SSL_CTX_use_certificate_chain_file(ctx, f.cert.c_str()) != 1)
    throw TlsError("cannot load the certificate " + f.cert.string() + ": " + openssl_errors());
  if (SSL_CTX_use_PrivateKey_file(ctx, f.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    std::string why = openssl_errors();
    if (mismatch) throw TlsError("the key " + f.key.string() + " does not belong to " + f.cert.string());
    throw TlsError("cannot load the key " + f.key.string() + ": " + why);
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw TlsError("the key " + f.key.string() + " does not belong to " + f.cert.string());
}

void load_ca(SSL_CTX* ctx, const std::filesystem::path& ca) {
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1)
    throw TlsError("cannot load the CA certificate " + ca.string() + ": " + openssl_errors());
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw TlsError(std::string("cannot make the socket non-blocking: ") + std::strerror(errno));
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::server(const TlsFiles& files) {
  if (files.ca.empty() || files.cert.empty() || files.key.empty())
    throw TlsError("a TCP listener needs a CA certificate, a certificate and its key (mutual TLS)");
  std::shared_ptr<TlsContext> ctx(new TlsContext(new_ctx(TLS_server_method())));
  load_identity(ctx->ctx_, files);
  load_ca(ctx->ctx_, files.ca);
  // The CA's name goes in the certificate request, so a client with several
  // certificates picks the right one.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str())) SSL_CTX_set_client_CA_list(ctx->ctx_, names);
  SSL_CTX_set_verify(ctx->ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

std::shared_ptr<TlsContext> TlsContext::client(const TlsFiles& files) {
  std::shared_ptr<TlsContext> ctx(new TlsContext(new_ctx(TLS_client_method())));
  if (files.ca.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx->ctx_) != 1)
      throw TlsError("cannot load the system's CA certificates: " + openssl_errors());
  } else {
    load_ca(ctx->ctx_, files.ca);
  }
  if (files.cert.empty() != files.key.empty()) throw TlsError("a client certificate needs its key, and a key its certificate");
  if (!files.cert.empty()) load_identity(ctx->ctx_, files);
  SSL_CTX_set_verify(ctx->ctx_, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsStream::TlsStream(std::shared_ptr<TlsContext> ctx, UniqueFd fd) : ctx_(std::move(ctx)), fd_(std::move(fd)) {
  set_nonblocking(fd_.get());
  ssl_ = SSL_new(ctx_->get());
  if (!ssl_) throw TlsError("cannot create a TLS session: " + openssl_errors());
  if (SSL_set_fd(ssl_, fd_.get()) != 1) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    throw TlsError("cannot attach the TLS session to its socket: " + openssl_errors());
  }
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

std::unique_ptr<TlsStream> TlsStream::accept(std::shared_ptr<TlsContext> ctx, UniqueFd fd, Clock::time_point deadline) {
  std::unique_ptr<TlsStream> s(new TlsStream(std::move(ctx), std::move(fd)));
  s->handshake(true, deadline);
  return s;
}

std::unique_ptr<TlsStream> TlsStream::connect(std::shared_ptr<TlsContext> ctx, UniqueFd fd, const std::string& host,
                                              Clock::time_point deadline) {
  std::unique_ptr<TlsStream> s(new TlsStream(std::move(ctx), std::move(fd)));
  std::string name = host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  unsigned char addr[16];
  const bool is_ip = ::inet_pton(AF_INET, name.c_str(), addr) == 1 || ::inet_pton(AF_INET6, name.c_str(), addr) == 1;
  // The certificate must name the host the URL does: an IP address as an
  // IP subjectAltName, a name as a DNS one (also sent as SNI).
  // (SSL_set_tlsext_host_name is a macro over this call with a C cast.)
  bool ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl_), name.c_str()) == 1
                  : SSL_set1_host(s->ssl_, name.c_str()) == 1 &&
                        SSL_ctrl(s->ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                 const_cast<char*>(name.c_str())) == 1;
  if (!ok) throw TlsError("cannot verify the daemon as '" + name + "': " + openssl_errors());
  s->handshake(false, deadline);
  return s;
}

void TlsStream::handshake(bool server, Clock::time_point deadline) {
  SigpipeBlock block;
  for (;;) {
    ERR_clear_error();
    int rc = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (rc == 1) return;
    int err = SSL_get_error(ssl_, rc);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) events = POLLIN;
    else if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      std::string why = openssl_errors();
      long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) why += std::string(why.empty() ? "" : " (") + X509_verify_cert_error_string(verify) + (why.empty() ? "" : ")");
      if (why.empty()) why = err == SSL_ERROR_SYSCALL ? "the peer closed the connection" : "error " + std::to_string(err);
      throw TlsError("TLS handshake failed: " + why);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw TlsError("the TLS handshake did not finish in time");
    pollfd p{fd_.get(), events, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX))) < 0 && errno != EINTR)
      throw TlsError(std::string("poll: ") + std::strerror(errno));
  }
}

// Bytes OpenSSL has decrypted and holds. Without read-ahead it reads one
// record at a time from the socket, so bytes of a record not yet read stay
// in the socket, where poll() sees them.
bool TlsStream::buffered() const { return SSL_pending(ssl_) > 0; }

long TlsStream::read(char* buf, std::size_t size) {
  SigpipeBlock block;  // a read may answer the peer (a key update)
  ERR_clear_error();
  int n = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return kAgain;
  ERR_clear_error();
  return kError;
}

bool TlsStream::write_all(std::string_view data) {
  SigpipeBlock block;
  while (!data.empty()) {
    ERR_clear_error();
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, data.data(), data.size(), &written) == 1) {
      data.remove_prefix(written);
      continue;
    }
    int err = SSL_get_error(ssl_, 0);
    short events = err == SSL_ERROR_WANT_WRITE ? POLLOUT : err == SSL_ERROR_WANT_READ ? POLLIN : 0;
    if (events == 0) {
      ERR_clear_error();
      return false;
    }
    pollfd p{fd_.get(), events, 0};
    ::poll(&p, 1, 1000);
  }
  return true;
}

void TlsStream::shutdown_write() {
  {
    SigpipeBlock block;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // sends close_notify; reading goes on
    ERR_clear_error();
  }
  ::shutdown(fd_.get(), SHUT_WR);
}

std::string TlsStream::peer_subject() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return {};
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  X509_free(cert);
  return buf;
}

}  // namespace dagrun::proxy
