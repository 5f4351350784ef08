// The small vocabularies of a container task: mount types, auto_remove,
// capability names, Docker URLs and names, as DAG files and the engine config
// write them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/container_spec.h"

namespace dagrun {

std::optional<MountType> parse_mount_type(std::string_view text);
std::optional<AutoRemove> parse_auto_remove(std::string_view text);

// "SYS_ADMIN" from "sys_admin", "CAP_SYS_ADMIN" or "cap_sys_admin".
std::string normalise_capability(std::string_view name);
// The Linux capabilities by their Docker names (without CAP_), in kernel order.
const std::vector<std::string_view>& linux_capabilities();

// "unix:///var/run/docker.sock" for "unix://var/run/docker.sock" (the socket path
// is always absolute); tcp://HOST:PORT is checked and kept; a URL of any other
// scheme is kept as written, for the policy to refuse by name. nullopt, with why,
// when the URL is malformed.
std::optional<std::string> normalise_docker_url(std::string_view url, std::string* why);
// The scheme of a URL ("unix", "tcp", "ssh"), empty when it has none.
std::string_view url_scheme(std::string_view url);

// Docker's names for volumes and containers: [a-zA-Z0-9][a-zA-Z0-9_.-]*
bool is_name_start(char c);
bool is_name_char(char c);
bool is_volume_name(std::string_view name);

}  // namespace dagrun
