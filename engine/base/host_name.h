// This host's name, as engines and workers record it (engine records, the
// hosts of tries) and as a cut log names where its whole file is.
#pragma once

#include <string>

namespace dagrun {

// gethostname(), or "localhost" when the system has none to give.
std::string host_name();

}  // namespace dagrun
