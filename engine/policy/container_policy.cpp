#include "policy/container_policy.h"

#include <algorithm>
#include <cctype>

#include "model/byte_size.h"
#include "model/container_values.h"
#include "policy/mount_paths.h"

namespace dagrun {
namespace fs = std::filesystem;

namespace {

// A path as far as it can be resolved: for roots and the env file, where a
// failure is reported through the mounts that depend on them rather than alone.
fs::path resolve_or_lexical(const fs::path& p, const fs::path& base) {
  if (auto r = resolve_host_path(p, base, nullptr)) return *r;
  return lexical_host_path(p, base);
}

std::string join_paths(const std::vector<fs::path>& paths) {
  std::string out;
  for (const fs::path& p : paths) out += (out.empty() ? "" : ", ") + p.string();
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

ContainerPolicyCheck::ContainerPolicyCheck(const ContainerPolicy& policy,
                                           const DagMountContext& dag)
    : policy_(policy) {
  home_ = resolve_or_lexical(dag.home.empty() ? fs::current_path() : dag.home, {});
  config_file_ = home_ / "dagrun.json";
  // The operator's roots are resolved through every link: links there are the
  // operator's. Each root a DAG implies is then walked without following a link
  // inside the roots already known, since a container that writes there could
  // otherwise plant a link that makes another directory a root.
  std::vector<fs::path> operator_roots;
  for (const fs::path& root : policy.allowed_mount_roots)
    operator_roots.push_back(resolve_or_lexical(root, home_));
  std::vector<fs::path> known = operator_roots;
  auto confined_root = [&](const fs::path& p, const std::string& key) -> std::optional<fs::path> {
    std::string why;
    if (auto r = confined_host_path(p, home_, known, &why)) return r;
    ignored_roots_.emplace_back(lexical_host_path(p, home_), key + " " + why);
    return std::nullopt;
  };
  if (std::optional<fs::path> data = dag_data_dir(dag.dag_id))
    if (auto root = confined_root(*data, "the DAG's data directory")) {
      roots_.push_back(*root);
      known.push_back(*root);
    }
  // A DAG author could otherwise name any directory of the host as its data
  // directory and mount it: the DAG's own roots count inside the home only, and
  // wider roots are the operator's to give in dagrun.json.
  auto dag_root = [&](const fs::path& root, const std::string& key) {
    if (path_within(root, home_)) {
      roots_.push_back(root);
    } else {
      ignored_roots_.emplace_back(
          root, key + " " + root.string() + " is not a mount root because it lies outside the dagrun home");
    }
  };
  if (!dag.data_dir.empty())
    if (auto root = confined_root(dag.data_dir, "params.data_dir")) dag_root(*root, "params.data_dir");
  if (!dag.env_file.empty()) {
    if (auto file = confined_root(dag.env_file, "params.env_file")) {
      env_file_ = *file;
      dag_root(env_file_.parent_path(), "the directory of params.env_file");
    } else {
      env_file_ = lexical_host_path(dag.env_file, home_);
    }
  }
  roots_.insert(roots_.end(), operator_roots.begin(), operator_roots.end());
}

std::optional<fs::path> ContainerPolicyCheck::confined(const fs::path& p, std::string* why) const {
  return confined_host_path(p, home_, roots_, why);
}

std::optional<fs::path> ContainerPolicyCheck::approved_source(const std::string& written) {
  const Verdict& v = judge(written);
  if (!v.problem.empty()) return std::nullopt;
  return v.resolved;
}

const ContainerPolicyCheck::Verdict& ContainerPolicyCheck::judge(const std::string& written) {
  if (auto it = verdicts_.find(written); it != verdicts_.end()) return it->second;
  Verdict v;
  // The path as written first: a source under /root is refused as such even
  // where this process may not look inside /root to resolve it.
  fs::path lexical = lexical_host_path(written, home_);
  v.resolved = lexical;
  std::string why;
  if (auto reason = never_mounted_reason(lexical)) {
    v.problem = *reason;
  } else if (auto resolved = confined(written, &why)) {
    v.resolved = *resolved;
    if (auto r = never_mounted_reason(*resolved)) {
      v.problem = *r;
    } else if (*resolved == config_file_) {
      v.problem = "is the engine's configuration, which is never mounted";
    } else if (path_within(config_file_, *resolved)) {
      v.problem = "contains the engine's configuration " + config_file_.string() +
                  ", which is never mounted";
    } else if (std::none_of(roots_.begin(), roots_.end(),
                            [&](const fs::path& root) { return path_within(*resolved, root); })) {
      v.problem = "is outside the allowed mount roots (" + join_paths(roots_) + ")";
      for (const auto& [root, why_not] : ignored_roots_)
        if (path_within(*resolved, root)) v.problem += "; " + why_not;
    }
  } else {
    // A link inside a root is named as such (the lexical path would mislead:
    // it is not where the kernel goes); anything else failed to be examined.
    const bool link = why.starts_with("runs through ");
    v.problem = link ? why : "cannot be checked: " + why;
    v.shown = !link;
  }
  return verdicts_.emplace(written, std::move(v)).first->second;
}

std::optional<std::string> ContainerPolicyCheck::source_problem(const std::string& written,
                                                                std::string_view label) {
  const Verdict& v = judge(written);
  if (v.problem.empty()) return std::nullopt;
  std::string shown =
      !v.shown || v.resolved.string() == written ? "" : " (" + v.resolved.string() + ")";
  return std::string(label) + " '" + written + "'" + shown + " " + v.problem;
}

void ContainerPolicyCheck::check_mount(const ContainerMount& m, size_t index,
                                       std::vector<PolicyViolation>& out) {
  if (m.type != MountType::bind) return;
  const std::string at = "/mounts/" + std::to_string(index);
  if (auto problem = source_problem(m.source, "bind mount source")) {
    out.push_back({at + "/source", std::move(*problem)});
    return;
  }
  if (m.read_only) return;
  // Secrets: a container that may rewrite an env file changes what every later
  // task, and the engine, reads from it.
  const fs::path& resolved = judge(m.source).resolved;
  std::string problem;
  if (!env_file_.empty() && resolved == env_file_) {
    problem = "bind mount of the DAG's env file '" + m.source + "' must be read_only";
  } else if (resolved.filename() == ".env" || fs::path(m.source).filename() == ".env") {
    problem = "bind mount of the env file '" + m.source + "' must be read_only";
  } else if (!env_file_.empty() && path_within(env_file_, resolved)) {
    problem = "bind mount source '" + m.source + "' contains the DAG's env file " +
              env_file_.string() + " and must be read_only";
  }
  if (!problem.empty()) out.push_back({at, std::move(problem)});
}

std::vector<PolicyViolation> ContainerPolicyCheck::check(const ContainerSpec& spec) {
  std::vector<PolicyViolation> out;
  if (!spec.env_file.empty())
    if (auto problem = source_problem(spec.env_file, "env_file"))
      out.push_back({"/env_file", std::move(*problem)});
  for (size_t i = 0; i < spec.mounts.size(); ++i) check_mount(spec.mounts[i], i, out);

  // Docker compares these names exactly; refusing any spelling costs nothing.
  std::string mode = spec.network_mode;
  for (char& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (mode == "host") {
    out.push_back(
        {"/network_mode", "network_mode '" + spec.network_mode +
                              "' is refused: the container would share the host's network "
                              "stack, including services bound to localhost"});
  } else if (mode.starts_with("container:")) {
    out.push_back({"/network_mode", "network_mode '" + spec.network_mode +
                                        "' is refused: the container would join another "
                                        "container's network namespace"});
  }

  std::string_view scheme = url_scheme(spec.docker_url);
  if (!spec.docker_url.empty() && scheme != "unix" && scheme != "tcp")
    out.push_back({"/docker_url", "docker_url '" + spec.docker_url +
                                      "' is refused: only unix:// "
                                      "and tcp:// (with TLS) daemons are reached"});
  if (spec.tls && !spec.tls->verify)
    out.push_back({"/tls/verify",
                   "tls.verify false is refused: the daemon's certificate is always "
                   "verified (give its CA in tls.ca_cert)"});

  const auto& allowed = policy_.allowed_capabilities;
  for (size_t i = 0; i < spec.cap_add.size(); ++i) {
    const std::string& cap = spec.cap_add[i];
    if (std::find(allowed.begin(), allowed.end(), cap) != allowed.end()) continue;
    out.push_back({"/cap_add/" + std::to_string(i),
                   "cap_add '" + cap + "' is not allowed by the container policy; allowed: " +
                       (allowed.empty() ? std::string("none") : join(allowed))});
  }

  if (spec.mem_limit && *spec.mem_limit > policy_.max_memory)
    out.push_back({"/mem_limit", "mem_limit " + format_byte_size(*spec.mem_limit) +
                                     " is above the policy's max_memory " +
                                     format_byte_size(policy_.max_memory)});
  if (spec.pids_limit && *spec.pids_limit > policy_.max_pids_limit)
    out.push_back({"/pids_limit", "pids_limit " + std::to_string(*spec.pids_limit) +
                                      " is above the policy's max_pids_limit " +
                                      std::to_string(policy_.max_pids_limit)});
  return out;
}

}  // namespace dagrun
