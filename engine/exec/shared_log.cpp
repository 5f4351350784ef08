#include "exec/shared_log.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "base/host_name.h"

namespace dagrun {

std::string log_for_history(const std::filesystem::path& log_path, const std::string& host) {
  if (log_path.empty()) return {};
  std::ifstream in(log_path, std::ios::binary);
  if (!in) return {};
  std::string log(kMaxStoredLog, '\0');
  in.read(log.data(), static_cast<std::streamsize>(log.size()));
  log.resize(static_cast<size_t>(in.gcount()));
  if (in.peek() != std::char_traits<char>::eof()) {
    const std::string note =
        "\n[dagrun: the log is cut here; the whole of it is on " + host + " at " + log_path.string() + "]\n";
    log.resize(kMaxStoredLog - note.size());
    log += note;
  }
  return log;
}

namespace {

class LogKeepingExecutor : public Executor {
 public:
  LogKeepingExecutor(std::unique_ptr<Executor> inner, WorkQueue& queue) : inner_(std::move(inner)), queue_(queue) {}

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    TryOutcome out = inner_->run(request, sink, cancel);
    if (!request.task) return out;
    try {
      queue_.store_log({request.run_id, request.task->task_id, request.try_number},
                       log_for_history(request.log_path, host_name()));
    } catch (const std::exception& e) {
      spdlog::warn("the log of try {} of task '{}' in run '{}' stays only in {} on this host: {}", request.try_number,
                   request.task->task_id, request.run_id, request.log_path.string(), e.what());
    }
    return out;
  }

 private:
  std::unique_ptr<Executor> inner_;
  WorkQueue& queue_;
};

}  // namespace

std::unique_ptr<Executor> keep_logs_in_history(std::unique_ptr<Executor> inner, WorkQueue& queue) {
  return std::make_unique<LogKeepingExecutor>(std::move(inner), queue);
}

}  // namespace dagrun
