// A container task's env_file, read the way `docker run --env-file` reads
// one, so a file that works with the docker CLI works here unchanged:
// KEY=VALUE per line, the value taken verbatim (no quotes removed, no
// expansion, trailing spaces kept); leading whitespace and blank lines and
// lines starting with # ignored; a bare KEY takes the engine's own value and
// is dropped when the engine has none.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exec/docker/docker_endpoint.h"

namespace dagrun {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Throws DockerConfigError "<name>:<line>: ..." for a key with whitespace in
// it, an empty key or bytes that are not UTF-8. The message never quotes the
// line: it may hold a secret.
EnvList parse_env_file(std::string_view text, std::string_view name, const EnvLookup& engine_env);

// Reads and parses the file at path, an absolute, link-free path (the one the
// policy approved): no symbolic link is followed on the way, so a link swapped
// in since the check cannot make the engine read another file. Throws
// DockerConfigError when it cannot be read, is not a regular file, or is
// larger than 1MiB.
EnvList read_env_file(const std::filesystem::path& path, const EnvLookup& engine_env);

}  // namespace dagrun
