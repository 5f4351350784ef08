#include "spec/diagnostic.h"

#include "model/ids.h"

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
  // Messages quote the file (keys, ids, values as written) and the file name
  // comes from the file system: neither may write to the terminal as itself.
  return printable_text(out);
}

}  // namespace dagrun
