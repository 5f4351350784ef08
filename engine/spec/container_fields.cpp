#include "spec/container_fields.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include "model/byte_size.h"
#include "spec/container_objects.h"
#include "model/container_values.h"
#include "spec/field_reader.h"
#include "model/limits.h"
#include "spec/nested_fields.h"
#include "spec/shell_words.h"
#include "base/suggest.h"

namespace dagrun {
namespace {

// clang-format off
constexpr std::array<std::string_view, kContainerKeyCount> kKeyNames{
    "image",       "command",    "entrypoint", "environment",   "env_file",
    "user",        "working_dir", "mounts",    "network_mode",  "auto_remove",
    "mount_tmp_dir", "tmp_dir",  "docker_url", "api_version",   "tls",
    "mem_limit",   "shm_size",   "cpus",       "pids_limit",    "cap_add",
    "labels",      "container_name", "skip_on_exit_code",      "xcom_all",
};
// clang-format on

// Docker refuses smaller memory limits at create time; 0 would mean no limit.
constexpr std::uint64_t kMinMemory = 6ull << 20;

std::optional<ContainerKey> parse_key(std::string_view name) {
  for (size_t i = 0; i < kKeyNames.size(); ++i)
    if (kKeyNames[i] == name) return static_cast<ContainerKey>(i);
  return std::nullopt;
}

// Docker's container name pattern: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool is_container_name(std::string_view n) {
  if (n.size() < 2 || !is_name_start(n.front())) return false;
  return std::all_of(n.begin() + 1, n.end(), is_name_char);
}

bool is_api_version(std::string_view v) {
  if (v == "auto") return true;
  return v.size() == 4 && v.substr(0, 2) == "1." &&
         std::isdigit(static_cast<unsigned char>(v[2])) &&
         std::isdigit(static_cast<unsigned char>(v[3]));
}

class Reader {
 public:
  Reader(const Scope& scope, Problems& problems)
      : out_(problems, scope.pointer("container"), scope.context()) {}

  ContainerRead read(const Json& object);

 private:
  void read_key(ContainerKey key, const Json& v, ContainerSpec& spec);
  void read_argv(const Json& v, std::string_view name, std::vector<std::string>& out);
  void read_string_map(const Json& v, std::string_view name,
                       std::vector<std::pair<std::string, std::string>>& out, bool labels);
  void read_cap_add(const Json& v, ContainerSpec& spec);
  void read_skip_codes(const Json& v, ContainerSpec& spec);
  std::optional<std::uint64_t> read_size(const Json& v, std::string_view name);

  FieldPlace out_;
};

ContainerRead Reader::read(const Json& object) {
  ContainerRead result;
  if (!object.is_object()) {
    out_.value("", "container must be an object such as {\"image\": \"busybox\"}, got " +
                       describe(object));
    return result;
  }
  result.spec = std::make_shared<ContainerSpec>();
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& name = it.key();
    auto key = parse_key(name);
    if (!key) {
      out_.key("/" + pointer_token(name), "unknown container key '" + name + "'" +
                                              did_you_mean(closest_match(name, kKeyNames)));
      continue;
    }
    result.keys.set(static_cast<size_t>(*key));
    read_key(*key, it.value(), *result.spec);
  }
  return result;
}

void Reader::read_key(ContainerKey key, const Json& v, ContainerSpec& spec) {
  const std::string name(container_key_name(key));
  const std::string at = "/" + name;
  switch (key) {
    case ContainerKey::image:
      if (auto s = out_.string(v, at, name)) {
        if (s->empty()) out_.value(at, "image must not be empty");
        else if (s->find_first_of(" \t\n") != std::string::npos)
          out_.value(at, "image '" + *s + "' must not contain spaces");
        else spec.image = std::move(*s);
      }
      break;
    case ContainerKey::command: read_argv(v, name, spec.command); break;
    case ContainerKey::entrypoint: read_argv(v, name, spec.entrypoint); break;
    case ContainerKey::environment: read_string_map(v, name, spec.environment, false); break;
    case ContainerKey::env_file:
      if (auto s = out_.string(v, at, name)) {
        if (s->empty()) out_.value(at, "env_file must not be empty");
        else spec.env_file = std::move(*s);
      }
      break;
    case ContainerKey::user:
      if (v.is_number_unsigned() && v.get<std::uint64_t>() <= limits::kMaxUid)
        spec.user = std::to_string(v.get<std::uint64_t>());
      else if (v.is_number_unsigned())
        out_.value(at, "user id " + v.dump() + " is larger than " + std::to_string(limits::kMaxUid));
      else if (!v.is_string())
        out_.value(at, "user must be a string or a user id, got " + describe(v));
      else if (v.get_ref<const std::string&>().empty()) out_.value(at, "user must not be empty");
      else spec.user = v.get<std::string>();
      break;
    case ContainerKey::working_dir:
      if (auto s = out_.absolute_path(v, at, name)) spec.working_dir = std::move(*s);
      break;
    case ContainerKey::mounts: read_mounts(v, out_, spec); break;
    case ContainerKey::network_mode:
      if (auto s = out_.string(v, at, name)) {
        if (s->empty()) out_.value(at, "network_mode must not be empty");
        else spec.network_mode = std::move(*s);
      }
      break;
    case ContainerKey::auto_remove:
      if (v.is_boolean()) {
        spec.auto_remove = v.get<bool>() ? AutoRemove::success : AutoRemove::never;
      } else if (v.is_string() && parse_auto_remove(v.get_ref<const std::string&>())) {
        spec.auto_remove = *parse_auto_remove(v.get_ref<const std::string&>());
      } else {
        out_.value(at,
                   "auto_remove must be \"never\", \"success\", \"force\", true or false, got " +
                       (v.is_string() ? "'" + v.get<std::string>() + "'" : describe(v)));
      }
      break;
    case ContainerKey::mount_tmp_dir:
      if (auto b = out_.boolean(v, at, name)) spec.mount_tmp_dir = *b;
      break;
    case ContainerKey::tmp_dir:
      if (auto s = out_.absolute_path(v, at, name)) spec.tmp_dir = std::move(*s);
      break;
    case ContainerKey::docker_url:
      if (auto s = out_.string(v, at, name)) {
        std::string why;
        if (auto url = normalise_docker_url(*s, &why)) spec.docker_url = std::move(*url);
        else out_.value(at, "invalid docker_url '" + *s + "': " + why);
      }
      break;
    case ContainerKey::api_version:
      if (auto s = out_.string(v, at, name)) {
        if (is_api_version(*s)) spec.api_version = std::move(*s);
        else
          out_.value(
              at, "api_version must be \"auto\" or a version such as \"1.41\", got '" + *s + "'");
      }
      break;
    case ContainerKey::tls: read_tls(v, out_, spec); break;
    case ContainerKey::mem_limit:
      if (auto n = read_size(v, name)) {
        if (*n < kMinMemory)
          out_.value(at, "mem_limit must be at least 6MiB (Docker's minimum), got " +
                             format_byte_size(*n));
        else spec.mem_limit = *n;
      }
      break;
    case ContainerKey::shm_size:
      if (auto n = read_size(v, name)) {
        if (*n == 0) out_.value(at, "shm_size must be more than 0 bytes");
        else spec.shm_size = *n;
      }
      break;
    case ContainerKey::cpus:
      // Docker takes nano-CPUs in 64 bits: 1e300 would overflow the conversion.
      if (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() > 0 &&
          v.get<double>() <= limits::kMaxCpus)
        spec.cpus = v.get<double>();
      else
        out_.value(at, "cpus must be a number greater than 0 and at most " +
                           std::to_string(static_cast<int>(limits::kMaxCpus)) + ", got " +
                           describe(v));
      break;
    case ContainerKey::pids_limit:
      if (v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
          v.get<std::uint64_t>() <= static_cast<std::uint64_t>(limits::kMaxPids))
        spec.pids_limit = static_cast<std::int64_t>(v.get<std::uint64_t>());
      else
        out_.value(at, "pids_limit must be a positive integer no larger than " +
                           std::to_string(limits::kMaxPids) + ", got " + describe(v));
      break;
    case ContainerKey::cap_add: read_cap_add(v, spec); break;
    case ContainerKey::labels: read_string_map(v, name, spec.labels, true); break;
    case ContainerKey::container_name:
      if (auto s = out_.string(v, at, name)) {
        if (is_container_name(*s)) spec.container_name = std::move(*s);
        else
          out_.value(at, "container_name '" + *s +
                             "' must be 2 or more of letters, digits, '_', '.' and '-', starting "
                             "with a letter or digit");
      }
      break;
    case ContainerKey::skip_on_exit_code: read_skip_codes(v, spec); break;
    case ContainerKey::xcom_all:
      if (auto b = out_.boolean(v, at, name)) spec.xcom_all = *b;
      break;
  }
}

// A string is split as shlex.split splits it, as the DockerOperator does.
void Reader::read_argv(const Json& v, std::string_view name, std::vector<std::string>& out) {
  const std::string at = "/" + std::string(name);
  std::vector<std::string> argv;
  if (v.is_string()) {
    std::string why;
    auto words = split_shell_words(v.get_ref<const std::string&>(), &why);
    if (!words) {
      out_.value(at, "invalid " + std::string(name) + " '" + v.get<std::string>() + "': " + why);
      return;
    }
    argv = std::move(*words);
  } else if (v.is_array()) {
    bool ok = true;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].is_string()) {
        argv.push_back(v[i].get<std::string>());
      } else {
        out_.value(at + "/" + std::to_string(i), std::string(name) + "[" + std::to_string(i) +
                                                     "] must be a string, got " + describe(v[i]));
        ok = false;
      }
    }
    if (!ok) return;
  } else {
    out_.value(at,
               std::string(name) + " must be a string or a list of strings, got " + describe(v));
    return;
  }
  if (argv.empty()) {
    out_.value(at, std::string(name) + " must not be empty; leave it out to use the image's");
    return;
  }
  out = std::move(argv);
}

void Reader::read_string_map(const Json& v, std::string_view name,
                             std::vector<std::pair<std::string, std::string>>& out, bool labels) {
  const std::string at = "/" + std::string(name);
  if (!v.is_object()) {
    out_.value(at, std::string(name) + " must be an object of strings, got " + describe(v));
    return;
  }
  out.clear();
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    const std::string here = at + "/" + pointer_token(key);
    const std::string what = labels ? "label" : "environment variable";
    if (key.empty() || (!labels && key.find('=') != std::string::npos)) {
      out_.key(here, what + " name '" + key + "' is not valid");
    } else if (labels && key.starts_with("dagrun.")) {
      out_.key(here,
               "label '" + key + "' is reserved: labels starting with 'dagrun.' are the engine's");
    } else if (!it.value().is_string()) {
      out_.value(here, what + " '" + key + "' must be a string, got " + describe(it.value()));
    } else {
      out.emplace_back(key, it.value().get<std::string>());
    }
  }
}

void Reader::read_cap_add(const Json& v, ContainerSpec& spec) {
  if (!v.is_array()) {
    out_.value("/cap_add", "cap_add must be a list of capability names, got " + describe(v));
    return;
  }
  spec.cap_add.clear();
  const auto& known = linux_capabilities();
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string here = "/cap_add/" + std::to_string(i);
    if (!v[i].is_string()) {
      out_.value(here,
                 "cap_add[" + std::to_string(i) + "] must be a string, got " + describe(v[i]));
      continue;
    }
    std::string cap = normalise_capability(v[i].get_ref<const std::string&>());
    if (cap != "ALL" && std::find(known.begin(), known.end(), cap) == known.end()) {
      out_.value(here, "unknown capability '" + v[i].get<std::string>() + "'" +
                           did_you_mean(closest_match(cap, known)));
      continue;
    }
    spec.cap_add.push_back(std::move(cap));
  }
  // The policy points at entries by index: a list with a wrong entry is left out whole.
  if (spec.cap_add.size() != v.size()) spec.cap_add.clear();
}

void Reader::read_skip_codes(const Json& v, ContainerSpec& spec) {
  auto code = [&](const Json& e, const std::string& here,
                  const std::string& label) -> std::optional<int> {
    if (e.is_number_unsigned() && e.get<std::uint64_t>() <= 255) return e.get<int>();
    out_.value(here, label + " must be an exit code from 0 to 255, got " + describe(e));
    return std::nullopt;
  };
  spec.skip_on_exit_code.clear();
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i)
      if (auto c = code(v[i], "/skip_on_exit_code/" + std::to_string(i),
                        "skip_on_exit_code[" + std::to_string(i) + "]"))
        spec.skip_on_exit_code.push_back(*c);
  } else if (auto c = code(v, "/skip_on_exit_code", "skip_on_exit_code")) {
    spec.skip_on_exit_code.push_back(*c);
  }
}

std::optional<std::uint64_t> Reader::read_size(const Json& v, std::string_view name) {
  const std::string at = "/" + std::string(name);
  std::string why;
  if (auto n = byte_size_value(v, &why)) return n;
  if (v.is_number_unsigned()) {
    out_.value(at, "invalid " + std::string(name) + " " + v.dump() + ": " + why);
    return std::nullopt;
  }
  if (v.is_string()) {
    out_.value(at, "invalid " + std::string(name) + " '" + v.get<std::string>() + "': " + why);
    return std::nullopt;
  }
  out_.value(at, std::string(name) +
                     " must be a byte size such as \"512MiB\" or a number of bytes, got " +
                     describe(v));
  return std::nullopt;
}

}  // namespace

std::string_view container_key_name(ContainerKey key) {
  return kKeyNames[static_cast<size_t>(key)];
}

ContainerRead read_container(const Json& value, const Scope& scope, Problems& problems) {
  return Reader(scope, problems).read(value);
}

std::shared_ptr<const ContainerSpec> complete_container(const ContainerSpec& own,
                                                        ContainerKeySet own_keys,
                                                        const ContainerSpec* defaults,
                                                        ContainerKeySet default_keys) {
  auto out = std::make_shared<ContainerSpec>(own);
  if (!own_keys.test(static_cast<size_t>(ContainerKey::auto_remove)))
    out->auto_remove = AutoRemove::force;
  if (!defaults) return out;
  const ContainerKeySet missing = default_keys & ~own_keys;
  const ContainerSpec& d = *defaults;
  ContainerSpec& t = *out;
  for (size_t k = 0; k < kContainerKeyCount; ++k) {
    if (!missing[k]) continue;
    switch (static_cast<ContainerKey>(k)) {
      case ContainerKey::image: t.image = d.image; break;
      case ContainerKey::command: t.command = d.command; break;
      case ContainerKey::entrypoint: t.entrypoint = d.entrypoint; break;
      case ContainerKey::environment: t.environment = d.environment; break;
      case ContainerKey::env_file: t.env_file = d.env_file; break;
      case ContainerKey::user: t.user = d.user; break;
      case ContainerKey::working_dir: t.working_dir = d.working_dir; break;
      case ContainerKey::mounts: t.mounts = d.mounts; break;
      case ContainerKey::network_mode: t.network_mode = d.network_mode; break;
      case ContainerKey::auto_remove: t.auto_remove = d.auto_remove; break;
      case ContainerKey::mount_tmp_dir: t.mount_tmp_dir = d.mount_tmp_dir; break;
      case ContainerKey::tmp_dir: t.tmp_dir = d.tmp_dir; break;
      case ContainerKey::docker_url: t.docker_url = d.docker_url; break;
      case ContainerKey::api_version: t.api_version = d.api_version; break;
      case ContainerKey::tls: t.tls = d.tls; break;
      case ContainerKey::mem_limit: t.mem_limit = d.mem_limit; break;
      case ContainerKey::shm_size: t.shm_size = d.shm_size; break;
      case ContainerKey::cpus: t.cpus = d.cpus; break;
      case ContainerKey::pids_limit: t.pids_limit = d.pids_limit; break;
      case ContainerKey::cap_add: t.cap_add = d.cap_add; break;
      case ContainerKey::labels: t.labels = d.labels; break;
      case ContainerKey::container_name: t.container_name = d.container_name; break;
      case ContainerKey::skip_on_exit_code: t.skip_on_exit_code = d.skip_on_exit_code; break;
      case ContainerKey::xcom_all: t.xcom_all = d.xcom_all; break;
    }
  }
  return out;
}

}  // namespace dagrun
