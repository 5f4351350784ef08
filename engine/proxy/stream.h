// A byte stream of the proxy: a client's or the daemon's connection, plain
// (a Unix socket) or TLS (tls_stream.h). The proxy waits on fd() with poll();
// buffered() says when bytes are already waiting inside the stream, where
// poll() cannot see them (TLS decrypts a whole record at a time).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace dagrun::proxy {

class Stream {
 public:
  virtual ~Stream() = default;

  static constexpr long kAgain = -2;  // nothing to read yet: wait on fd() and read again
  static constexpr long kError = -1;

  virtual int fd() const = 0;
  virtual bool buffered() const { return false; }
  // Bytes read (> 0), 0 when the peer has closed, kAgain or kError.
  virtual long read(char* buf, std::size_t size) = 0;
  // Sends all of data; false when the peer is gone. Never raises SIGPIPE.
  virtual bool write_all(std::string_view data) = 0;
  // No more bytes from this side; the peer reads the end of the stream.
  virtual void shutdown_write() = 0;
};

// A connected socket as it is.
class PlainStream final : public Stream {
 public:
  explicit PlainStream(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const override { return fd_.get(); }
  long read(char* buf, std::size_t size) override;
  bool write_all(std::string_view data) override;
  void shutdown_write() override;

 private:
  UniqueFd fd_;
};

// Sends all of data on a socket; false when the peer is gone. Never raises SIGPIPE.
bool send_all(int fd, std::string_view data);

// Reads what is available into buf, waiting until the deadline. 1: bytes
// came, 0: the peer closed, -1: the deadline passed or the read failed.
int read_some(Stream& s, std::string& buf, std::chrono::steady_clock::time_point deadline);

}  // namespace dagrun::proxy
