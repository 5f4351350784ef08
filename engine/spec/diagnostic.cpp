#include "spec/diagnostic.h"

namespace dagrun {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  out += "error: ";
  if (!context.empty()) {
    out += context;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace dagrun
