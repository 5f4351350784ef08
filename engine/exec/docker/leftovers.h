// Containers left behind by an engine that died (killed, out of memory, the
// machine rebooted) while they ran. Every container the engine creates
// carries labels naming its run, task and try and the engine process (host,
// pid, the pid's start time); a later engine finds those of processes that
// are gone, removes them and reports the tries so they can be recorded as
// failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/docker/docker_endpoint.h"

namespace dagrun {

struct Leftover {
  std::string container_id, dag_id, run_id, task_id;
  int try_number = 0;
};

// Whether a container listed by GET /containers/json (its Labels and State)
// is a leftover: labelled dagrun.managed by an engine on this host whose
// process is gone, and not one kept on purpose. A container that exited is
// kept when its auto_remove was never, or success with a non-zero exit
// (exit_code: from an inspect; nullopt when unknown), since the engine that
// made it may have kept it for someone to look at.
bool is_leftover(const nlohmann::json& listed, std::optional<int> exit_code);

// Removes the leftovers on one daemon and returns them. label_filters
// ("key=value") narrow the search, e.g. to one DAG. Throws DockerError when
// the daemon cannot be asked; a container that cannot be removed is skipped
// (and not reported).
std::vector<Leftover> remove_leftovers(const DockerEndpoint& endpoint,
                                       const std::vector<std::string>& label_filters = {});

}  // namespace dagrun
