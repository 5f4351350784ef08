// What a container writes, as the try sees it: every line of both streams
// appended to the try's log (whole lines only, so stdout and stderr never
// interleave within a line), stdout lines kept for XCom (the last one, or
// all with xcom_all; stderr never reaches XCom), and the last few lines of
// either stream kept for the error message of a failed try. With secrets,
// every value they hold is masked in the log and the tail (not in XCom, which
// is the task's own data): a task that prints its token does not put it in
// the history's error or the log.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec/docker/env_secrets.h"
#include "exec/docker/stream_splitter.h"
#include "exec/try_log.h"

namespace dagrun {

class ContainerOutput {
 public:
  ContainerOutput(TryLog& log, bool keep_all_stdout, const EnvSecrets* secrets = nullptr);
  ContainerOutput(const ContainerOutput&) = delete;
  ContainerOutput& operator=(const ContainerOutput&) = delete;

  // Raw bytes of the attach stream, as they arrive.
  void feed(std::string_view bytes);
  // Flushes partial last lines. Call once, when the stream is over.
  void finish();

  // The XCom value: the last stdout line as a JSON string, or with
  // keep_all_stdout a JSON array of every stdout line; nullopt when the
  // container wrote nothing to stdout.
  std::optional<std::string> xcom_value() const;
  // Up to the last 3 non-empty lines of either stream, each cut to 160 bytes.
  const std::deque<std::string>& tail() const { return tail_; }
  bool corrupt() const { return splitter_.corrupt(); }

 private:
  void on_line(OutputStream stream, std::string_view line);
  void flush();

  TryLog& log_;
  bool keep_all_;
  const EnvSecrets* secrets_;
  StreamSplitter splitter_;
  std::string pending_;  // complete lines not yet written to the log
  std::vector<std::string> stdout_lines_;
  std::deque<std::string> tail_;
};

}  // namespace dagrun
