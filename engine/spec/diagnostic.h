// A problem found in a DAG file, printed LLVM-style:
//   dags/etl.json:12:7: error: task 'load': unknown upstream 'extrct' (did you mean 'extract'?)
#pragma once

#include <string>
#include <vector>

namespace dagrun {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string context;  // "task 'load'", "dag", "tasks[3]", ... ; may be empty
  std::string message;  // lower case, no trailing period

  // One line for a terminal: control characters from the file or its name as \xNN.
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace dagrun
