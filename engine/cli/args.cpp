#include "cli/args.h"

#include <algorithm>

#include "base/suggest.h"

namespace dagrun::cli {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ParsedArgs::values_of(const std::string& name) const {
  auto it = all_values.find(name);
  return it == all_values.end() ? std::vector<std::string>{} : it->second;
}

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
  ParsedArgs out;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a.size() < 2 || a[0] != '-') {
      out.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) throw UsageError("unknown option '" + a + "'");
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      std::string msg = "unknown option '--" + name + "'";
      if (auto best = closest_match(name, names)) msg += " (did you mean '--" + *best + "'?)";
      throw UsageError(msg);
    }
    if (spec->metavar.empty()) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value");
      out.switches[name] = true;
      continue;
    }
    if (inline_value) {
      out.values[name] = *inline_value;
    } else if (i + 1 < args.size()) {
      out.values[name] = args[++i];
    } else {
      throw UsageError("option '--" + name + "' needs a value (" + spec->metavar + ")");
    }
    out.all_values[name].push_back(out.values[name]);
  }
  return out;
}

const std::string& checked_id(const std::string& value, IdKind kind, const std::string& what) {
  if (auto why = id_problem(kind, value)) throw UsageError(what + " " + *why);
  return value;
}

std::string describe_flags(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "  --" + s.name + (s.metavar.empty() ? "" : " " + s.metavar);
    if (left.size() < 24) left.resize(24, ' ');
    else left += "  ";
    out += left + s.help + "\n";
  }
  return out;
}

}  // namespace dagrun::cli
