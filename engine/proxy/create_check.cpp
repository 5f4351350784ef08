#include "proxy/create_check.h"

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/container_values.h"
#include "model/ids.h"
#include "policy/mount_context.h"

namespace dagrun::proxy {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 16;  // the deepest body the engine sends is 4 levels

std::string fold(std::string_view key) {
  std::string out(key);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses the body, refusing what Go's decoder would read differently from a
// plain reading: keys that repeat after case folding, keys that are not
// plain ASCII, and nesting deeper than any create body needs.
json strict_parse(std::string_view body) {
  std::vector<std::set<std::string>> keys;  // one per open object or array
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxDepth) throw Malformed("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: keys.emplace_back(); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: keys.pop_back(); break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        for (unsigned char c : key)
          if (c < 0x20 || c >= 0x7f)
            throw Malformed("the key '" + json(key).dump().substr(1, 64) +
                            " holds a character that is not printable ASCII; the daemon folds some of those "
                            "into ASCII letters, so such keys are refused");
        if (keys.empty() || !keys.back().insert(fold(key)).second)
          throw Malformed("the key \"" + key.substr(0, 64) +
                          "\" appears twice in one object (keys are compared without case, as the daemon does)");
        break;
      }
      default: break;
    }
    return true;
  };
  try {
    json doc = json::parse(body.begin(), body.end(), callback);
    if (!doc.is_object()) throw Malformed("the body is not a JSON object");
    return doc;
  } catch (const json::exception& e) {
    throw Malformed(std::string("the body is not valid JSON: ") + e.what());
  }
}

bool is_zero(const json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() == 0;
  // nlohmann's empty() is false for every string, so a string is asked itself.
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return v.empty();
  return false;
}

std::string as_text(const json& v) { return v.dump().substr(0, 120); }

class Judge {
 public:
  std::vector<std::string> problems;

  void refuse(const std::string& at, const std::string& what) { problems.push_back(at + ": " + what); }

  // A key this level does not know.
  void unknown(const std::string& at) {
    refuse(at, "is not a key the proxy knows, so it is refused (an unknown key could grant anything)");
  }
  void zero_only(const std::string& at, const json& v, const std::string& why) {
    if (!is_zero(v)) refuse(at, as_text(v) + " is refused: " + why);
  }
  void one_of(const std::string& at, const json& v, std::initializer_list<const char*> allowed) {
    if (v.is_null()) return;
    if (v.is_string())
      for (const char* a : allowed)
        if (v.get<std::string>() == a) return;
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "'" + a + "'";
    refuse(at, as_text(v) + " is refused; allowed: " + list);
  }
  bool type(const std::string& at, const json& v, bool ok, const char* what) {
    if (v.is_null() || ok) return true;
    refuse(at, "must be " + std::string(what));
    return false;
  }
  bool boolean(const std::string& at, const json& v) { return type(at, v, v.is_boolean(), "true or false"); }
  bool string(const std::string& at, const json& v) { return type(at, v, v.is_string(), "a string"); }
  bool integer(const std::string& at, const json& v) {
    return type(at, v, v.is_number_integer(), "a whole number");
  }
  bool strings(const std::string& at, const json& v) {
    bool ok = v.is_array();
    if (ok)
      for (const json& e : v) ok = ok && e.is_string();
    return type(at, v, ok, "a list of strings");
  }
  std::vector<std::string> string_list(const std::string& at, const json& v) {
    std::vector<std::string> out;
    if (v.is_string()) return {v.get<std::string>()};  // Go's strslice takes one string too
    if (!strings(at, v) || v.is_null()) return out;
    for (const json& e : v) out.push_back(e.get<std::string>());
    return out;
  }
};

// Positive whole number, or nullopt (with a problem when present but wrong).
std::optional<std::int64_t> positive(Judge& j, const std::string& at, const json* v, const std::string& missing) {
  if (!v || v->is_null() || (v->is_number() && v->get<double>() == 0)) {
    j.refuse(at, missing);
    return std::nullopt;
  }
  if (!v->is_number_integer() || v->get<std::int64_t>() <= 0) {
    j.refuse(at, as_text(*v) + " is refused: " + missing);
    return std::nullopt;
  }
  return v->get<std::int64_t>();
}

void judge_mount(Judge& j, const std::string& at, const json& m, ContainerSpec& spec) {
  if (!m.is_object()) {
    j.refuse(at, "a mount must be an object");
    return;
  }
  ContainerMount mount;
  bool typed = false;
  for (const auto& [key, v] : m.items()) {
    const std::string here = at + "/" + key;
    const std::string k = fold(key);
    if (k == "type") {
      std::optional<MountType> t = v.is_string() ? parse_mount_type(v.get<std::string>()) : std::nullopt;
      if (!t) {
        j.refuse(here, as_text(v) + " is refused; allowed: 'bind', 'volume', 'tmpfs'");
      } else {
        mount.type = *t;
        typed = true;
      }
    } else if (k == "source") {
      if (j.string(here, v) && v.is_string()) mount.source = v.get<std::string>();
    } else if (k == "target") {
      if (j.string(here, v) && v.is_string()) mount.target = v.get<std::string>();
    } else if (k == "readonly") {
      if (j.boolean(here, v) && v.is_boolean()) mount.read_only = v.get<bool>();
    } else if (k == "consistency") {
      j.string(here, v);
    } else if (k == "bindoptions") {
      if (!j.type(here, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [bk, bv] : v.items()) {
        const std::string b = fold(bk);
        if (b == "propagation") j.one_of(here + "/" + bk, bv, {"", "private", "rprivate"});
        else if (b == "nonrecursive" || b == "createmountpoint")
          j.zero_only(here + "/" + bk, bv, "the proxy passes plain recursive binds only");
        else j.unknown(here + "/" + bk);
      }
    } else if (k == "volumeoptions") {
      if (!j.type(here, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [vk, vv] : v.items()) {
        const std::string o = fold(vk);
        if (o == "nocopy") j.boolean(here + "/" + vk, vv);
        else if (o == "labels") j.type(here + "/" + vk, vv, vv.is_object(), "an object");
        else if (o == "driverconfig")
          j.zero_only(here + "/" + vk, vv,
                      "a volume driver's options can bind any host directory (o=bind,device=/)");
        else if (o == "subpath") j.zero_only(here + "/" + vk, vv, "volume subpaths are not needed by tasks");
        else j.unknown(here + "/" + vk);
      }
    } else if (k == "tmpfsoptions") {
      if (!j.type(here, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [tk, tv] : v.items()) {
        const std::string o = fold(tk);
        if (o == "sizebytes" || o == "mode") j.integer(here + "/" + tk, tv);
        else j.unknown(here + "/" + tk);
      }
    } else {
      j.unknown(here);
    }
  }
  if (!typed) {
    j.refuse(at, "a mount needs a Type");
    return;
  }
  if (mount.type == MountType::bind && (mount.source.empty() || mount.source.front() != '/')) {
    j.refuse(at, "a bind mount's Source must be an absolute path");
    return;
  }
  if (mount.type == MountType::tmpfs && !mount.source.empty()) {
    j.refuse(at, "a tmpfs mount has no Source");
    return;
  }
  spec.mounts.push_back(std::move(mount));
}

// What the engine's own bodies always carry (exec/docker/create_body.cpp).
struct Hardening {
  bool drops_all = false;
  bool no_new_privileges = false;
  const json* memory = nullptr;
  const json* pids = nullptr;
};

void judge_host_config(Judge& j, const json& host, ContainerSpec& spec, Hardening& hard,
                       std::vector<size_t>& mount_index) {
  static const std::map<std::string, const char*> zero_only{
      {"binds", "host paths are mounted through Mounts, where the policy checks them"},
      {"containeridfile", "the daemon would write a file on the host"},
      {"portbindings", "containers of tasks publish no ports"},
      {"volumedriver", "volume drivers can mount any host directory"},
      {"volumesfrom", "it would mount another container's volumes"},
      {"groupadd", "extra groups are not given to tasks"},
      {"cgroup", "it would join another cgroup"},
      {"links", "links to other containers are not given to tasks"},
      {"pidmode", "it would share another PID namespace (host or a container's)"},
      {"utsmode", "it would share the host's UTS namespace"},
      {"usernsmode", "it would leave the daemon's user namespace setting"},
      {"sysctls", "kernel parameters are not set by tasks"},
      {"cgroupparent", "it would place the container in a cgroup of its choosing"},
      {"devices", "host devices are not given to tasks"},
      {"devicecgrouprules", "device access rules are not given to tasks"},
      {"devicerequests", "device requests (GPUs) are not given to tasks"},
      {"kernelmemory", "not needed by tasks"},
      {"kernelmemorytcp", "not needed by tasks"},
      {"oomkilldisable", "the kernel must stay free to kill the container's processes"},
      {"ulimits", "resource limits are the engine's"},
      {"tmpfs", "tmpfs mounts go through Mounts"},
      {"storageopt", "storage driver options are not set by tasks"},
      {"cpucount", "not needed by tasks"},
      {"cpupercent", "not needed by tasks"},
      {"iomaximumiops", "not needed by tasks"},
      {"iomaximumbandwidth", "not needed by tasks"},
      {"cpurealtimeperiod", "real-time scheduling is not given to tasks"},
      {"cpurealtimeruntime", "real-time scheduling is not given to tasks"},
      {"blkioweight", "not needed by tasks"},
      {"blkioweightdevice", "it names host devices"},
      {"blkiodevicereadbps", "it names host devices"},
      {"blkiodevicewritebps", "it names host devices"},
      {"blkiodevicereadiops", "it names host devices"},
      {"blkiodevicewriteiops", "it names host devices"},
      {"privileged", "a privileged container is root on the host"},
      {"publishallports", "containers of tasks publish no ports"},
      {"capabilities", "the capability set is CapDrop ALL plus CapAdd"},
  };
  static const std::set<std::string> integers{"memoryswap", "memoryreservation", "cpushares", "cpuperiod",
                                              "cpuquota", "nanocpus", "shmsize"};
  static const std::set<std::string> texts{"cpusetcpus", "cpusetmems"};
  static const std::set<std::string> lists{"dns", "dnsoptions", "dnssearch", "extrahosts"};
  for (const auto& [key, v] : host.items()) {
    const std::string at = "/HostConfig/" + key;
    const std::string k = fold(key);
    if (auto z = zero_only.find(k); z != zero_only.end()) {
      j.zero_only(at, v, z->second);
    } else if (k == "maskedpaths" || k == "readonlypaths") {
      // An empty list is not the default: it unmasks /proc and /sys paths.
      if (!v.is_null()) j.refuse(at, as_text(v) + " is refused: only the daemon's default masking is allowed");
    } else if (k == "mounts") {
      if (!j.type(at, v, v.is_array(), "a list of mounts") || v.is_null()) continue;
      for (size_t i = 0; i < v.size(); ++i) {
        size_t before = spec.mounts.size();
        judge_mount(j, at + "/" + std::to_string(i), v[i], spec);
        if (spec.mounts.size() > before) mount_index.push_back(i);
      }
    } else if (k == "networkmode") {
      if (j.string(at, v) && v.is_string()) spec.network_mode = v.get<std::string>();
    } else if (k == "capadd") {
      for (const std::string& cap : j.string_list(at, v)) spec.cap_add.push_back(normalise_capability(cap));
    } else if (k == "capdrop") {
      for (const std::string& cap : j.string_list(at, v))
        if (normalise_capability(cap) == "ALL") hard.drops_all = true;
    } else if (k == "securityopt") {
      for (const std::string& opt : j.string_list(at, v)) {
        if (opt == "no-new-privileges" || opt == "no-new-privileges:true" || opt == "no-new-privileges=true")
          hard.no_new_privileges = true;
        else
          j.refuse(at, "'" + opt.substr(0, 80) +
                           "' is refused: the only security option allowed is no-new-privileges (a seccomp, "
                           "AppArmor or SELinux override weakens the container's confinement)");
      }
    } else if (k == "memory") {
      hard.memory = &v;
    } else if (k == "pidslimit") {
      hard.pids = &v;
    } else if (integers.count(k)) {
      j.integer(at, v);
    } else if (texts.count(k)) {
      j.string(at, v);
    } else if (lists.count(k)) {
      j.strings(at, v);
    } else if (k == "autoremove" || k == "readonlyrootfs" || k == "init") {
      j.boolean(at, v);
    } else if (k == "memoryswappiness") {
      j.type(at, v, v.is_number_integer() && v.get<std::int64_t>() >= -1 && v.get<std::int64_t>() <= 100,
             "a whole number from -1 to 100");
    } else if (k == "oomscoreadj") {
      j.type(at, v, v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= 1000,
             "a whole number from 0 to 1000 (a negative score shields the container from the OOM killer)");
    } else if (k == "consolesize") {
      j.type(at, v, v.is_array() && v.size() == 2 && v[0].is_number_unsigned() && v[1].is_number_unsigned(),
             "two whole numbers");
    } else if (k == "ipcmode") {
      j.one_of(at, v, {"", "private", "none", "shareable"});
    } else if (k == "cgroupnsmode") {
      j.one_of(at, v, {"", "private"});
    } else if (k == "runtime") {
      j.one_of(at, v, {"", "runc"});
    } else if (k == "isolation") {
      j.one_of(at, v, {"", "default"});
    } else if (k == "restartpolicy") {
      if (!j.type(at, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [rk, rv] : v.items()) {
        const std::string r = fold(rk);
        if (r == "name") j.one_of(at + "/" + rk, rv, {"", "no"});
        else if (r == "maximumretrycount") j.zero_only(at + "/" + rk, rv, "the engine retries tasks");
        else j.unknown(at + "/" + rk);
      }
    } else if (k == "logconfig") {
      if (!j.type(at, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [lk, lv] : v.items()) {
        const std::string l = fold(lk);
        if (l == "type" || l == "config") j.zero_only(at + "/" + lk, lv, "the daemon's default log driver is used");
        else j.unknown(at + "/" + lk);
      }
    } else {
      j.unknown(at);
    }
  }
}

// A ContainerPolicyCheck field ("/mounts/0/source") as the body wrote it.
std::string wire_field(const std::string& field, const std::vector<size_t>& mount_index) {
  auto after = [&](std::string_view prefix) { return field.substr(prefix.size()); };
  if (field.starts_with("/mounts/")) {
    std::string rest = after("/mounts/");
    size_t slash = rest.find('/');
    size_t i = std::stoul(rest.substr(0, slash));
    std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
    if (tail == "/source") tail = "/Source";
    return "/HostConfig/Mounts/" + std::to_string(i < mount_index.size() ? mount_index[i] : i) + tail;
  }
  if (field.starts_with("/cap_add")) return "/HostConfig/CapAdd" + after("/cap_add");
  if (field == "/network_mode") return "/HostConfig/NetworkMode";
  if (field == "/mem_limit") return "/HostConfig/Memory";
  if (field == "/pids_limit") return "/HostConfig/PidsLimit";
  return field;
}

CreateVerdict refused(int status, std::string reason) {
  CreateVerdict v;
  v.http_status = status;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

CreateVerdict check_create_body(std::string_view body, const ContainerPolicy& policy,
                                const std::filesystem::path& home, const std::string& proxy_name) {
  json doc;
  try {
    doc = strict_parse(body);
  } catch (const Malformed& e) {
    return refused(400, e.what());
  }

  Judge j;
  ContainerSpec spec;
  Hardening hard;
  std::vector<size_t> mount_index;  // spec.mounts[i] is the body's Mounts[mount_index[i]]
  std::string labels_key;           // the body's spelling of "Labels"
  std::string dag_id;
  bool has_host = false;
  static const std::set<std::string> booleans{"attachstdin", "attachstdout", "attachstderr", "tty", "openstdin",
                                              "stdinonce",   "argsescaped",  "networkdisabled"};
  static const std::set<std::string> texts{"hostname", "domainname", "stopsignal", "macaddress", "user", "workingdir",
                                           "image"};
  for (const auto& [key, v] : doc.items()) {
    const std::string at = "/" + key;
    const std::string k = fold(key);
    if (booleans.count(k)) {
      j.boolean(at, v);
    } else if (texts.count(k)) {
      if (j.string(at, v) && v.is_string() && k == "image") spec.image = v.get<std::string>();
    } else if (k == "cmd" || k == "entrypoint" || k == "shell") {
      j.string_list(at, v);
    } else if (k == "env") {
      j.strings(at, v);
    } else if (k == "stoptimeout") {
      j.integer(at, v);
    } else if (k == "healthcheck" || k == "exposedports") {
      j.type(at, v, v.is_object(), "an object");
    } else if (k == "volumes" || k == "onbuild") {
      j.zero_only(at, v, "not needed by tasks");
    } else if (k == "labels") {
      labels_key = key;
      bool ok = v.is_object();
      if (ok)
        for (const auto& [lk, lv] : v.items()) ok = ok && lv.is_string();
      if (j.type(at, v, ok, "an object of strings") && v.is_object()) {
        if (auto it = v.find("dagrun.dag_id"); it != v.end()) dag_id = it->get<std::string>();
      }
    } else if (k == "hostconfig") {
      if (!j.type(at, v, v.is_object(), "an object") || v.is_null()) continue;
      has_host = true;
      judge_host_config(j, v, spec, hard, mount_index);
    } else if (k == "networkingconfig") {
      if (!j.type(at, v, v.is_object(), "an object") || v.is_null()) continue;
      for (const auto& [nk, nv] : v.items()) {
        if (fold(nk) == "endpointsconfig")
          j.zero_only(at + "/" + nk, nv, "networks are chosen with HostConfig.NetworkMode only");
        else
          j.unknown(at + "/" + nk);
      }
    } else {
      j.unknown(at);
    }
  }

  if (!has_host) j.refuse("/HostConfig", "is missing: the engine's hardening (CapDrop ALL, no-new-privileges, "
                                         "memory and pids limits) lives there");
  if (has_host) {
    if (!hard.drops_all) j.refuse("/HostConfig/CapDrop", "must contain \"ALL\" (tasks get only the capabilities CapAdd names)");
    if (!hard.no_new_privileges)
      j.refuse("/HostConfig/SecurityOpt", "must contain \"no-new-privileges\"");
    if (auto m = positive(j, "/HostConfig/Memory", hard.memory, "a memory limit is required"))
      spec.mem_limit = static_cast<std::uint64_t>(*m);
    if (auto p = positive(j, "/HostConfig/PidsLimit", hard.pids, "a pids limit is required")) spec.pids_limit = *p;
  }

  // The rules DAG files are held to, on the translated spec. The roots are
  // the operator's and the dagrun home: a container may mount what dagrun's
  // own user can write anyway (its configuration excepted, and never through
  // a link planted inside), not what only the daemon could reach. Which DAG
  // may mount which part of the home is the engine's rule, checked before
  // the request is sent; the proxy cannot know a DAG's params.
  ContainerPolicy with_home = policy;
  with_home.allowed_mount_roots.push_back(home);
  DagMountContext context;
  context.home = home;
  if (!id_problem(IdKind::dag, dag_id)) context.dag_id = dag_id;
  ContainerPolicyCheck check(with_home, context);
  for (const PolicyViolation& v : check.check(spec)) j.refuse(wire_field(v.field, mount_index), v.message);

  if (!j.problems.empty()) {
    std::string reason;
    for (const std::string& p : j.problems) reason += (reason.empty() ? "" : "; ") + p;
    CreateVerdict v = refused(403, reason);
    v.dag_id = dag_id;
    return v;
  }

  // The proxy's label, in the body's own Labels object (a second spelling of
  // the key would be a duplicate to the daemon).
  if (labels_key.empty() || doc[labels_key].is_null()) {
    if (labels_key.empty()) labels_key = "Labels";
    doc[labels_key] = json::object();
  }
  doc[labels_key][kProxyLabel] = proxy_name;
  CreateVerdict ok;
  ok.allowed = true;
  ok.body = doc.dump();
  ok.dag_id = dag_id;
  return ok;
}

}  // namespace dagrun::proxy
