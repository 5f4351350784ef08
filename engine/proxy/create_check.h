// The body of POST /containers/create, judged as the daemon would read it.
//
// The body is parsed the way dockerd's Go decoder reads it: object keys match
// field names case-insensitively and the last duplicate wins, so a key that
// repeats after case folding, or that is not ASCII (Go folds 'ſ' to 's' and
// the Kelvin sign to 'k'), is refused rather than guessed at. Every key is
// then either translated into the model's ContainerSpec, which the same
// ContainerPolicyCheck the loader uses judges (mount roots, capabilities,
// network mode, memory and pids limits), or accepted only at the value that
// grants nothing (Privileged false, no Binds, no Devices, ...), or refused
// as unknown: a key the proxy does not know could be one that grants root.
// On top, the body must carry the hardening the engine's own bodies carry
// (CapDrop ALL, no-new-privileges, a memory and a pids limit), since a
// body without them is not one dagrun sends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "policy/container_policy.h"

namespace dagrun::proxy {

struct CreateVerdict {
  bool allowed = false;
  int http_status = 0;  // refused: 400 (not JSON, or not what the daemon can read) or 403 (policy)
  std::string reason;   // refused: every problem, "; "-joined, each naming its JSON pointer
  std::string body;     // allowed: the checked document with the proxy's label, to send upstream
  std::string dag_id;   // the body's dagrun.dag_id label, for the audit log
};

// The label every container created through a proxy carries, valued with
// the proxy's name: operations on existing containers need it.
inline constexpr const char* kProxyLabel = "dagrun.proxy";

// home: the dagrun home, a mount root besides policy's own (its
// configuration file never mounted).
CreateVerdict check_create_body(std::string_view body, const ContainerPolicy& policy,
                                const std::filesystem::path& home, const std::string& proxy_name);

}  // namespace dagrun::proxy
