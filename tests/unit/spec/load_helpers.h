// Shared by the loader tests: load a text and get its diagnostics as printed lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/loader.h"

namespace dagrun::test {

// The plugins the bad-file expectations were written against.
inline const std::vector<std::string> kKnownPlugins{"fail", "noop", "sleep"};

inline LoadOptions options_with_plugins() {
  LoadOptions o;
  o.known_plugins = &kKnownPlugins;
  return o;
}

inline std::vector<std::string> errors_of(std::string_view text,
                                          const LoadOptions& options = options_with_plugins()) {
  LoadResult r = load_dag_text(text, "t.json", options);
  std::vector<std::string> lines;
  for (const Diagnostic& d : r.diagnostics) lines.push_back(d.to_string());
  return lines;
}

// One line per diagnostic, so a failing comparison prints readably.
inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace dagrun::test
