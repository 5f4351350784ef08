#include "base/host_name.h"

#include <unistd.h>

namespace dagrun {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace dagrun
