// The executor for TaskKind::container: one try is one container on a Docker
// daemon, created from the task's container action, attached to before it
// starts, waited for (bounded by execution_timeout and the cancel token),
// then removed as auto_remove says. See docs/containers.md.
//
// connect makes each try's DockerApi; empty: the real daemon (connect_docker).
// The unit tests pass a fake daemon's.
#pragma once

#include <memory>

#include "policy/container_policy.h"
#include "exec/docker/docker_api.h"
#include "exec/exec_options.h"
#include "exec/executor.h"

namespace dagrun {

std::unique_ptr<Executor> make_container_executor(const ContainerPolicy& policy, const ExecOptions& options,
                                                  DockerApiFactory connect = {});

}  // namespace dagrun
