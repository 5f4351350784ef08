// A small command-line parser: --flag, --flag VALUE, --flag=VALUE, "--" ends
// flags; global flags are accepted before or after the verb.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/ids.h"

namespace dagrun::cli {

struct FlagSpec {
  std::string name;     // without dashes: "run-id"
  std::string metavar;  // empty for a boolean flag
  std::string help;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParsedArgs {
  std::map<std::string, std::string> values;  // flags with a value (the last one given)
  // Every value of each flag, in order, for flags that may be repeated
  // (`dagrun test --param A=1 --param B=2`).
  std::map<std::string, std::vector<std::string>> all_values;
  std::map<std::string, bool> switches;       // boolean flags present
  std::vector<std::string> positionals;
  bool help = false;

  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values_of(const std::string& name) const;
  bool has(const std::string& name) const { return switches.count(name) > 0; }
};

// Throws UsageError naming the offending argument (and a close flag name).
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

// `value` when it is a valid id of that kind (model/ids.h), else a UsageError
// naming the argument: "--run-id must not be empty". Ids become file names,
// so a bad one is refused before anything is read or written.
const std::string& checked_id(const std::string& value, IdKind kind, const std::string& what);

// "  --conf JSON        the run's conf" lines for --help.
std::string describe_flags(const std::vector<FlagSpec>& specs);

}  // namespace dagrun::cli
