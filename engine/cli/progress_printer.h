// Prints a run as it happens: one line per task state change, the error of a
// failed try under it, and a summary at the end. Colour only on a terminal.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <ostream>
#include <string>

#include "model/model.h"
#include "run/observer.h"

namespace dagrun::cli {

class ProgressPrinter : public RunObserver {
 public:
  ProgressPrinter(std::ostream& out, const Dag& dag, bool color);

  void run_updated(const RunRecord& run) override;
  void task_updated(const TaskInstanceRecord& task) override;
  void try_updated(const TryRecord& attempt) override;

  // The closing summary; returns the text printed (for tests).
  void summary(const RunRecord& run);

 private:
  std::string paint(TaskState s, const std::string& text) const;
  std::string clock() const;
  // Every line on a terminal; into a pipe at most every 50 ms, so ten
  // thousand tasks do not cost twenty thousand writes.
  void maybe_flush();

  std::ostream& out_;
  const Dag& dag_;
  bool color_;
  size_t id_width_ = 4;
  std::map<std::string, int> final_counts_;
  std::map<std::string, TimePoint> try_started_;
  std::map<std::string, TryRecord> last_try_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace dagrun::cli
