#include "exec/output_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace dagrun {

OutputCapture::OutputCapture(TryLog& log) : log_(log) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw SpawnError(std::string("pipe: ") + std::strerror(errno));
  read_fd_ = p[0];
  write_fd_ = p[1];
  ::fcntl(read_fd_, F_SETFL, O_NONBLOCK);
}

OutputCapture::~OutputCapture() {
  close_child_fd();
  if (read_fd_ >= 0) ::close(read_fd_);
}

void OutputCapture::close_child_fd() {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

short OutputCapture::events() const { return read_fd_ >= 0 ? POLLIN : 0; }

void OutputCapture::on_ready(short) { read_available(); }

void OutputCapture::read_available() {
  char buf[16384];
  while (read_fd_ >= 0) {
    ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n > 0) {
      log_.append(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {  // every writer is gone
      ::close(read_fd_);
      read_fd_ = -1;
    }
    return;  // EAGAIN: nothing more for now
  }
}

void OutputCapture::finish() {
  read_available();
  if (read_fd_ >= 0) ::close(read_fd_);
  read_fd_ = -1;
}

}  // namespace dagrun
