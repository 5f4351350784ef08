// Typed reads of values nested below one place in a parsed file (a task's
// container object, the engine config's containers object), each problem
// reported at its own JSON pointer with the place's context.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spec/field_reader.h"

namespace dagrun {

class FieldPlace {
 public:
  // base: the JSON pointer of the place ("/tasks/3/container"); context: what
  // diagnostics name ("task 'load'").
  FieldPlace(Problems& problems, std::string base, std::string context)
      : problems_(problems), base_(std::move(base)), context_(std::move(context)) {}

  // sub: a pointer below the base ("/mounts/0/source"), "" for the place itself.
  void key(std::string_view sub, std::string message);
  void value(std::string_view sub, std::string message);

  // Each reader reports "<label> must be ..., got ..." at sub and returns nullopt
  // when the value has the wrong type.
  std::optional<std::string> string(const Json& v, std::string_view sub, std::string_view label);
  std::optional<bool> boolean(const Json& v, std::string_view sub, std::string_view label);
  // A string starting with '/'.
  std::optional<std::string> absolute_path(const Json& v, std::string_view sub,
                                           std::string_view label);

 private:
  Problems& problems_;
  std::string base_;
  std::string context_;
};

}  // namespace dagrun
