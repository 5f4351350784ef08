// A child's stdout and stderr, read through a pipe into the try's log. The
// log file is created only when the first byte arrives, so a silent try
// costs no file (creating files dominates the cost of short commands), and
// `dagrun logs` shows nothing for it.
#pragma once

#include "base/process.h"
#include "exec/try_log.h"

namespace dagrun {

class OutputCapture : public PollChannel {
 public:
  // Throws SpawnError when no pipe can be made.
  explicit OutputCapture(TryLog& log);
  ~OutputCapture() override;
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // The descriptor to give the child as stdout and stderr.
  int child_fd() const { return write_fd_; }
  // Call once the child is spawned: the child holds its own copy.
  void close_child_fd();

  int fd() const override { return read_fd_; }
  short events() const override;
  void on_ready(short revents) override;

  // After the child exited: takes what is still buffered in the pipe, then
  // stops. Output that processes the command left behind write later is not
  // captured (they see a closed pipe), so a daemon it started cannot keep
  // the try open.
  void finish();

 private:
  void read_available();

  TryLog& log_;
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace dagrun
