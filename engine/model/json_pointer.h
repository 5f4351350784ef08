// JSON pointers (RFC 6901) name the field a diagnostic or a policy violation
// is about ("/tasks/3/env/LD_PRELOAD"); the loader turns them into file:line:col.
#pragma once

#include <string>
#include <string_view>

namespace dagrun {

// RFC 6901 escaping of one pointer token: "~" is "~0", "/" is "~1".
std::string pointer_token(std::string_view key);

}  // namespace dagrun
