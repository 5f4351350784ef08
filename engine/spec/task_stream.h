// Parses a DAG file with nlohmann's SAX interface, handing each element of the
// top-level "tasks" array to a callback as soon as it is complete. The rest of the
// document is kept as a tree; the tasks never are, so a 100,000-task file is read
// one small task tree at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "spec/field_reader.h"

namespace dagrun {

struct JsonSyntaxError {
  size_t offset = 0;  // byte offset of the offending character
  std::string message;  // nlohmann's explanation, without its position prefix
};

struct StreamedDag {
  Json root;                  // the document; root["tasks"] is an empty array when streamed
  bool tasks_streamed = false;
  size_t task_count = 0;
  std::optional<JsonSyntaxError> error;  // when set, nothing else is meaningful
};

using TaskCallback = std::function<void(int index, const Json& task)>;

// Keys given twice in one object are reported to problems (nlohmann would keep the
// last one silently); their context is "task '<id>'" inside a task with a valid id,
// the JSON path otherwise.
StreamedDag parse_dag_json(std::string_view text, const TaskCallback& on_task, Problems& problems);

}  // namespace dagrun
