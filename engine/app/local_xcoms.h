// The XCom side of a try run away from its run's execution (a worker's try,
// `dagrun test`'s): the XComs it may pull, given up front, and what it
// pushes, kept for its report. Pulling a mapped task gives its instances'
// values as one list, as in a run (run/task_map.h).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "exec/executor.h"
#include "model/model.h"

namespace dagrun::app {

class LocalXComs : public TrySink {
 public:
  // task_id: the try's own task (or instance), whose pushes it may pull again.
  LocalXComs(const Dag& dag, std::string task_id) : dag_(dag), task_id_(std::move(task_id)) {}

  // An XCom the try may pull, as an upstream task pushed it.
  void give(const std::string& task_id, const std::string& key, const std::string& value_json);

  void log(LogLevel, std::string_view) override {}
  void started_process(int) override {}
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) override;
  // Refused by the XCom rule (model/xcom.h); a key pushed again keeps its last value.
  std::string xcom_push(const std::string& key, const std::string& value_json) override;
  // key, value JSON, in the order first pushed.
  std::vector<std::pair<std::string, std::string>> pushed();

 protected:
  const std::string& task_id() const { return task_id_; }

 private:
  const Dag& dag_;
  const std::string task_id_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> values_;
  std::vector<std::pair<std::string, std::string>> pushed_;
};

}  // namespace dagrun::app
