// Typed reads from a parsed DAG file, and the problems they find.
//
// Problems keep a JSON pointer rather than a position: positions are computed from the
// source text only when problems are turned into diagnostics, so a valid file is never
// scanned twice.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/diagnostic.h"
#include "model/json_pointer.h"
#include "model/ids.h"
#include "spec/json_locate.h"
#include "model/model.h"

namespace dagrun {

// Keys keep their file order, which messages and the env list follow.
using Json = nlohmann::ordered_json;

// Where a group of keys lives. Pointer and context text are built only on error.
struct Scope {
  std::string_view base;     // "" (the DAG object), "/default_args" or "/tasks"
  int index = -1;            // the task's index under /tasks, or -1
  std::string_view task_id;  // the task's id once known to be valid

  std::string pointer(std::string_view key = {}) const;  // "/tasks/3/retries"
  std::string context() const;  // "dag", "default_args", "task 'load'", "tasks[3]"
};

class Problems {
 public:
  Problems(std::string_view text, std::string file);
  ~Problems();

  // occurrence: which copy of a repeated key the problem is about (0: the first).
  void at(std::string pointer, JsonTarget target, std::string context, std::string message,
          int occurrence = 0);
  void at_key(const Scope& scope, std::string_view key, std::string message);
  void at_value(const Scope& scope, std::string_view key, std::string message);

  // Past limits::kMaxDiagnostics problems are only counted: a generated file gone
  // wrong gets its first hundred and one line saying how many more there were.
  bool empty() const { return items_.empty() && dropped_ == 0; }
  bool full() const;
  // Counts a problem that will not be shown, without its details.
  void drop() { ++dropped_; }
  // The 1-based line of a pointer's key, for messages that name another place.
  int line_of(std::string_view pointer, JsonTarget target);
  // Positions resolved, ordered by position (problems without one first).
  Diagnostics resolve();

 private:
  struct Pending {
    std::string pointer;
    JsonTarget target;
    std::string context;
    std::string message;
    int occurrence;
  };
  JsonLocator& locator();

  std::string_view text_;
  std::string file_;
  std::unique_ptr<JsonLocator> locator_;
  std::vector<Pending> items_;
  size_t dropped_ = 0;
};

// "string", "number", "boolean", "null", "object", "array".
std::string_view json_type_name(const Json& v);
// What a message says was found: the number itself for numbers, else the type name.
std::string describe(const Json& v);

// Each reader reports a problem at scope/key and returns nullopt when v is wrong.
std::optional<std::string> read_string(const Json& v, const Scope& s, std::string_view key,
                                       Problems& p);
std::optional<bool> read_bool(const Json& v, const Scope& s, std::string_view key, Problems& p);
// An integer from min to max (min is 0 or 1 in practice).
std::optional<int> read_int(const Json& v, int min, int max, const Scope& s, std::string_view key,
                            Problems& p);
// At most limits::kMaxDuration.
std::optional<Duration> read_duration(const Json& v, const Scope& s, std::string_view key,
                                      Problems& p);
// A byte size written as a number or a string ("512MiB"), at most
// limits::kMaxByteSize (Docker takes sizes as signed 64-bit numbers); nullopt
// with *why set otherwise. The one rule read_byte_size and the container
// fields share.
std::optional<std::uint64_t> byte_size_value(const Json& v, std::string* why);
// At most limits::kMaxByteSize.
std::optional<std::uint64_t> read_byte_size(const Json& v, const Scope& s, std::string_view key,
                                            Problems& p);
// From limits::kMinYear to limits::kMaxYear.
std::optional<TimePoint> read_date(const Json& v, const Scope& s, std::string_view key,
                                   Problems& p);
// An array of strings; each bad element is reported, and then nullopt is returned.
std::optional<std::vector<std::string>> read_string_list(const Json& v, const Scope& s,
                                                         std::string_view key, Problems& p);
// The same, appended to out; out is left as it was when an element is bad.
bool append_string_list(const Json& v, const Scope& s, std::string_view key, Problems& p,
                        std::vector<std::string>& out);
// dag_id and task_id, by the rules of model/ids.h.
std::optional<std::string> read_id(const Json& v, const Scope& s, std::string_view key,
                                   Problems& p);

}  // namespace dagrun
