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
  read_fd_.reset(p[0]);
  write_fd_.reset(p[1]);
  ::fcntl(read_fd_.get(), F_SETFL, O_NONBLOCK);
}

void OutputCapture::close_child_fd() { write_fd_.reset(); }

short OutputCapture::events() const { return read_fd_ ? POLLIN : 0; }

void OutputCapture::on_ready(short) { read_available(); }

void OutputCapture::read_available() {
  char buf[16384];
  while (read_fd_) {
    ssize_t n = ::read(read_fd_.get(), buf, sizeof buf);
    if (n > 0) {
      log_.append(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) read_fd_.reset();  // every writer is gone
    return;  // EAGAIN: nothing more for now
  }
}

void OutputCapture::finish() {
  read_available();
  read_fd_.reset();
}

}  // namespace dagrun
