#include "exec/docker/engine_identity.h"

#include <limits.h>
#include <unistd.h>

namespace dagrun {

const EngineIdentity& current_engine() {
  static const EngineIdentity self = [] {
    EngineIdentity id;
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) == 0) id.host = name;
    id.pid = ::getpid();
    id.start = process_start_time(id.pid).value_or(0);
    return id;
  }();
  return self;
}

bool engine_alive(const EngineIdentity& identity) {
  if (identity.host != current_engine().host) return true;
  auto start = process_start_time(identity.pid);
  return start && *start == identity.start;
}

}  // namespace dagrun
