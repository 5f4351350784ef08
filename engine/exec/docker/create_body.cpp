#include "exec/docker/create_body.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

namespace dagrun {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An approved path, or the refusal to send a bind mount nobody checked.
std::string approved_path(const fs::path& p, const std::string& what) {
  if (p.empty() || !p.is_absolute())
    throw DockerConfigError("internal error: " + what + " was not approved by the container policy");
  return p.string();
}

std::string_view auto_remove_label(AutoRemove a) {
  switch (a) {
    case AutoRemove::never: return "never";
    case AutoRemove::success: return "success";
    case AutoRemove::force: return "force";
  }
  return "never";
}

json mount_json(const ContainerMount& m, const fs::path& approved) {
  json j = {{"Target", m.target}, {"ReadOnly", m.read_only}};
  switch (m.type) {
    case MountType::bind:
      j["Type"] = "bind";
      j["Source"] = approved_path(approved, "bind mount source '" + m.source + "'");
      break;
    case MountType::volume:
      j["Type"] = "volume";
      j["Source"] = m.source;
      break;
    case MountType::tmpfs:
      j["Type"] = "tmpfs";
      break;
  }
  return j;
}

// FNV-1a: a short, stable tag of the run id for container names.
std::string short_hash(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

std::string name_part(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    out += ok ? c : '-';
  }
  return out;
}

}  // namespace

EnvList container_env(const ContainerSpec& spec, const TryRequest& request, const EnvList& env_file) {
  EnvList env;
  std::unordered_map<std::string, size_t> index;
  auto add = [&](const std::string& key, const std::string& value) {
    auto [it, fresh] = index.emplace(key, env.size());
    if (fresh) {
      env.emplace_back(key, value);
    } else {
      env[it->second].second = value;
    }
  };
  for (auto& [k, v] : env_file) add(k, v);
  for (auto& [k, v] : spec.environment) add(k, v);
  for (auto& [k, v] : request.env) add(k, v);
  if (spec.mount_tmp_dir && !request.data_dir.empty()) add("DAGRUN_TMP_DIR", spec.tmp_dir);
  return env;
}

std::string container_name(const ContainerSpec& spec, const TryRequest& request) {
  if (!spec.container_name.empty()) return spec.container_name;
  std::string dag = request.dag ? request.dag->dag_id : "dag";
  std::string task = request.task ? request.task->task_id : "task";
  return "dagrun-" + name_part(dag, 60) + "-" + name_part(task, 60) + "-" + short_hash(request.run_id) + "-" +
         std::to_string(request.try_number);
}

json build_create_body(const ContainerSpec& spec, const ContainerPolicy& policy, const TryRequest& request,
                       const EngineIdentity& engine, const EnvList& env_file, const ApprovedPaths& approved) {
  json body;
  body["Image"] = spec.image;
  if (!spec.command.empty()) body["Cmd"] = spec.command;
  if (!spec.entrypoint.empty()) body["Entrypoint"] = spec.entrypoint;
  json env = json::array();
  for (auto& [k, v] : container_env(spec, request, env_file)) env.push_back(k + "=" + v);
  body["Env"] = std::move(env);
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;

  json labels = json::object();
  for (auto& [k, v] : spec.labels) labels[k] = v;
  labels[label::managed] = "true";
  labels[label::dag_id] = request.dag ? request.dag->dag_id : "";
  labels[label::run_id] = request.run_id;
  labels[label::task_id] = request.task ? request.task->task_id : "";
  labels[label::try_number] = std::to_string(request.try_number);
  labels[label::auto_remove] = auto_remove_label(spec.auto_remove);
  labels[label::engine_host] = engine.host;
  labels[label::engine_pid] = std::to_string(engine.pid);
  labels[label::engine_start] = std::to_string(engine.start);
  body["Labels"] = std::move(labels);

  // Output comes through attach as a multiplexed stream (no TTY), and nothing
  // is read from stdin.
  body["Tty"] = false;
  body["OpenStdin"] = false;
  body["AttachStdin"] = false;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;

  json host;
  json mounts = json::array();
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    mounts.push_back(mount_json(spec.mounts[i], i < approved.mount_sources.size() ? approved.mount_sources[i]
                                                                                   : fs::path()));
  if (spec.mount_tmp_dir && !request.data_dir.empty()) {
    mounts.push_back({{"Type", "bind"},
                      {"Source", approved_path(approved.data_dir, "the run's data directory")},
                      {"Target", spec.tmp_dir},
                      {"ReadOnly", false}});
  }
  host["Mounts"] = std::move(mounts);
  if (!spec.network_mode.empty()) host["NetworkMode"] = spec.network_mode;
  // No network: the runtime gives the container a namespace of its own with
  // only loopback, and Docker's network layer is skipped altogether. That
  // layer builds a sandbox even for "none", which is about a third of the
  // time a short container takes to start.
  if (spec.network_mode == "none") body["NetworkDisabled"] = true;
  host["CapDrop"] = json::array({"ALL"});
  host["CapAdd"] = spec.cap_add;
  host["SecurityOpt"] = json::array({"no-new-privileges"});
  host["Privileged"] = false;
  host["PublishAllPorts"] = false;
  host["AutoRemove"] = false;  // the engine removes it after reading the exit code
  host["PidsLimit"] = spec.pids_limit.value_or(policy.default_pids_limit);
  std::uint64_t memory = spec.mem_limit.value_or(policy.default_memory);
  host["Memory"] = memory;
  host["MemorySwap"] = memory;  // equal to Memory: no swap on top
  if (spec.cpus) host["NanoCpus"] = static_cast<std::int64_t>(std::llround(*spec.cpus * 1e9));
  if (spec.shm_size) host["ShmSize"] = *spec.shm_size;
  body["HostConfig"] = std::move(host);
  return body;
}

}  // namespace dagrun
