// Host paths as the Docker daemon will see them, for the bind-mount policy:
// where a path really leads, whether it lies under a root, and the places no
// container may ever see.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dagrun {

// The absolute path p leads to: relative paths resolve against base (the dagrun
// home; the current directory when base is empty), every symbolic link is
// followed, dangling ones included, and a component that does not exist is taken
// as a plain directory, so what lies below the deepest existing ancestor is
// normalised lexically ("missing/../x" is "x"). Fails closed: a component that
// cannot be examined (permission denied), or a loop of links, gives nullopt and
// says why.
std::optional<std::filesystem::path> resolve_host_path(const std::filesystem::path& p,
                                                       const std::filesystem::path& base,
                                                       std::string* why);

// The absolute, link-free path p leads to when no symbolic link below any of
// roots may be followed: a root's contents are writable by the containers that
// mount it, so every link there is theirs, and may change at any moment. Links
// above (outside) the roots are the operator's and are followed; a component
// that does not exist is taken as a plain directory, as in resolve_host_path.
// nullopt, and why, when the walk meets a link inside a root (at any depth, the
// last component included, or one that a later ".." would climb back through),
// a loop, or a component it cannot examine. roots must be resolved paths.
std::optional<std::filesystem::path> confined_host_path(const std::filesystem::path& p,
                                                        const std::filesystem::path& base,
                                                        const std::vector<std::filesystem::path>& roots,
                                                        std::string* why);

// p made absolute against base and normalised lexically, links untouched.
std::filesystem::path lexical_host_path(const std::filesystem::path& p,
                                        const std::filesystem::path& base);

// True when path is root or lies below it, comparing whole components
// ("/data2" is not under "/data"). Both should be resolved or both lexical.
bool path_within(const std::filesystem::path& path, const std::filesystem::path& root);

// The paths no bind mount may reach whatever the configuration: /etc, /proc,
// /sys, /dev, /boot, /root, /var/lib/docker, /run/containerd and the Docker
// socket.
const std::vector<std::filesystem::path>& never_mounted_paths();

// Why a path may never be bind-mounted, as the end of a sentence about it
// ("is under /etc, which is never mounted"), or nullopt. Checks the host's root
// directory, the paths above (the path is one, is under one, or contains one:
// a mount of /var exposes /var/lib/docker) and Docker or containerd sockets, by
// file type and by name (*docker*.sock, *containerd*.sock).
std::optional<std::string> never_mounted_reason(const std::filesystem::path& path);

// Why a path may never be a mount root, or nullopt: the same as
// never_mounted_reason except that containing a refused path is allowed (mounts
// below a root are checked one by one), unless the path is the root directory.
std::optional<std::string> never_a_root_reason(const std::filesystem::path& path);

}  // namespace dagrun
