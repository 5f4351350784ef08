// A child's stdout and stderr, read through a pipe into the try's log. The
// log file is created only when the first byte arrives, so a silent try
// costs no file (creating files dominates the cost of short commands), and
// `dagrun logs` shows nothing for it.
#pragma once

#include "base/process.h"
#include "base/unique_fd.h"
#include "exec/try_log.h"

namespace dagrun {

class OutputCapture : public PollChannel {
 public:
  // Throws SpawnError when no pipe can be made.
  explicit OutputCapture(TryLog& log);
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // The descriptor to give the child as stdout and stderr.
  int child_fd() const { return write_fd_.get(); }
  // Call once the child is spawned: the child holds its own copy.
  void close_child_fd();

  int fd() const override { return read_fd_.get(); }
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
  UniqueFd read_fd_;
  UniqueFd write_fd_;
};

}  // namespace dagrun
