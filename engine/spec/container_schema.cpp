// The schema states what the loader (container_fields.cpp, container_objects.cpp,
// nested_fields.cpp) and the built-in policy (a default ContainerPolicy, as the
// loader's kBuiltin) refuse on a value as written, and is never stricter: a
// container object the loader takes must validate.
//
// What the schema cannot say. These depend on more than the value as written
// (the dagrun home, the file system, other keys or objects), or no keyword
// states them; the schema lets them pass and `dagrun validate` refuses them:
//  - a bind source or env_file outside the mount roots: the DAG's data directory
//    (HOME/data/<dag_id>), params.data_dir and the directory of params.env_file
//    (inside the home only), and the operator's roots; relative paths resolve
//    against the home;
//  - a bind source or env_file that reaches a never-mounted place (/etc, the
//    Docker socket, ...) through a symbolic link or through ".." ("/tmp/../etc"):
//    the schema judges the path as written, and only when it has no ".." part;
//  - a bind source or env_file that is a socket by its file type (not its name),
//    runs through a symbolic link inside a mount root, cannot be examined, or is
//    or holds the engine's configuration HOME/dagrun.json;
//  - a writable bind mount of the DAG's params.env_file, of a directory holding
//    it, or of a path whose resolved name is .env (the schema sees the written
//    name only);
//  - two mounts with one target, and a mount at tmp_dir while mount_tmp_dir is
//    on (across keys, and across default_args' object and the task's);
//  - image, which the task's object or default_args' one must give;
//  - a command or entrypoint string that shell splitting refuses (an
//    unterminated quote, a backslash at the very end);
//  - the range of a byte size written as a string (mem_limit at least 6MiB and
//    at most the policy's max_memory, shm_size more than 0, any size at most
//    1 PiB): it is stated for numbers only;
//  - integers written with a fraction or an exponent (512.0, 1e9): "integer"
//    takes them, the loader only plain non-negative integers (user, pids_limit,
//    byte sizes, exit codes);
//  - templates ("{{ ... }}"): their syntax and the params they name; and a
//    template in a mount source, refused in a task's object but in
//    default_args' only when a task inherits its mounts, so left out here;
//  - strings longer than limits::kMaxStringBytes (bytes, where maxLength counts
//    characters) and nesting deeper than limits::kMaxDepth: the parser's
//    limits, for the whole file.
#include "spec/container_schema.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/byte_size.h"
#include "model/container_spec.h"
#include "model/container_values.h"
#include "model/limits.h"
#include "policy/container_policy.h"
#include "policy/mount_paths.h"
#include "spec/container_fields.h"

namespace dagrun {
namespace {

using Schema = nlohmann::ordered_json;
namespace fs = std::filesystem;

// container_fields.cpp's kMinMemory (Docker refuses less at create time), which
// that file keeps to itself; container_schema_test.cpp checks the loader agrees.
constexpr std::uint64_t kMinMemory = 6ull << 20;

// The end of the string in every regex dialect a validator may use. Refusals
// ("not": {"pattern": ...}) end with it rather than `$`: Python's re matches `$`
// before a final newline too, so it would refuse network_mode "host\n", which
// the loader takes.
constexpr std::string_view kEnd = "(?![\\s\\S])";

std::string escaped(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// word in any letter case ("[Hh][Oo][Ss][Tt]"): schema patterns have no flags.
std::string any_case(std::string_view word) {
  std::string out;
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u))
      out += std::string("[") + static_cast<char>(std::toupper(u)) +
             static_cast<char>(std::tolower(u)) + "]";
    else out += escaped(std::string_view(&c, 1));
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : std::string(separator)) + s;
  return out;
}

// A path as written, for the policy's lexical check: lexical normalisation
// (policy/mount_paths.h) drops repeated '/' and "." parts, so they may come
// before each part, and after the last one.
constexpr std::string_view kBeforePart = "(?:/\\.?)*/";
std::string after_last() { return "(?:/\\.?)*" + std::string(kEnd); }

std::string written(const fs::path& absolute) {
  std::string out;
  for (const fs::path& part : absolute.relative_path())
    out += std::string(kBeforePart) + escaped(part.string());
  return out;
}

// Bind sources and env files the policy refuses on the path as written
// (never_mounted_reason of the lexical path): the host's root, a never-mounted
// path or anything under it, a directory holding one, and a last part named
// like a Docker or containerd socket (mount_paths.h: *docker*.sock,
// *containerd*.sock, in any case). Only paths without a ".." part are judged.
std::string never_mounted_pattern() {
  std::vector<std::string> under, holding;
  for (const fs::path& refused : never_mounted_paths()) {
    under.push_back(written(refused));
    fs::path prefix = "/";
    for (const fs::path& part : refused.relative_path()) {
      if (prefix != "/" &&
          std::find(holding.begin(), holding.end(), written(prefix)) == holding.end())
        holding.push_back(written(prefix));
      prefix /= part;
    }
  }
  std::vector<std::string> sockets;
  for (std::string_view daemon : {"docker", "containerd"})
    sockets.push_back("(?:[\\s\\S]*/)?[^/]*" + any_case(daemon) + "[^/]*\\." + any_case("sock") +
                      after_last());
  const std::string no_dotdot = "(?![\\s\\S]*(?:^|/)\\.\\.(?:/|" + std::string(kEnd) + "))";
  return "^" + no_dotdot + "(?:(?:/\\.?)+" + std::string(kEnd) + "|(?:" + joined(under, "|") +
         ")(?:/|" + std::string(kEnd) + ")|(?:" + joined(holding, "|") + ")" + after_last() + "|" +
         joined(sockets, "|") + ")";
}

// a with b's keywords added.
Schema merged(Schema a, const Schema& b) {
  a.update(b);
  return a;
}

Schema not_never_mounted() { return {{"not", {{"pattern", never_mounted_pattern()}}}}; }

Schema absolute_path() { return {{"type", "string"}, {"pattern", "^/"}}; }

// A string for shell splitting (a blank one gives no words) or a list.
Schema argv() {
  return {{"anyOf",
           Schema::array({{{"type", "string"}, {"pattern", "[^ \\t\\n\\r]"}},
                          {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}}})}};
}

// model/byte_size.h's units; the range is the caller's, for numbers.
Schema byte_size(std::uint64_t min, std::uint64_t max) {
  return {{"anyOf",
           Schema::array(
               {{{"type", "integer"}, {"minimum", min}, {"maximum", max}},
                {{"type", "string"},
                 {"pattern",
                  "^[0-9]+(\\.[0-9]+)? ?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|k|K|m|M|g|G|t|T)?$"}}})}};
}

Schema exit_code() { return {{"type", "integer"}, {"minimum", 0}, {"maximum", 255}}; }

Schema string_map(Schema names) {
  return {{"type", "object"},
          {"propertyNames", std::move(names)},
          {"additionalProperties", {{"type", "string"}}},
          {"default", Schema::object()}};
}

Schema mount() {
  const ContainerMount defaults;
  Schema types = Schema::array();
  for (MountType t : {MountType::bind, MountType::volume, MountType::tmpfs})
    types.push_back(std::string(to_string(t)));
  auto when_type = [](MountType t) {
    return Schema{{"properties", {{"type", {{"const", std::string(to_string(t))}}}}},
                  {"required", {"type"}}};
  };
  // A bind mount when written so or by default: the policy's checks apply.
  const Schema when_bind = {
      {"properties", {{"type", {{"const", std::string(to_string(MountType::bind))}}}}}};
  Schema when_bind_env = when_bind;
  when_bind_env["properties"]["source"] = {{"type", "string"},
                                           {"pattern", "(?:^|/)\\.env" + std::string(kEnd)}};
  when_bind_env["required"] = {"source"};
  return {
      {"type", "object"},
      {"properties",
       {{"source",
         {{"description",
           "bind: a path on the daemon's host, relative paths relative to the dagrun home. "
           "volume: a volume name. tmpfs: none."},
          {"type", "string"},
          {"minLength", 1}}},
        {"target",
         {{"description",
           "Where it appears in the container: an absolute path, not '/', and not the "
           "target of another mount."},
          {"type", "string"},
          {"pattern", "^/"},
          {"not", {{"const", "/"}}}}},
        {"type", {{"enum", types}, {"default", std::string(to_string(defaults.type))}}},
        {"read_only", {{"type", "boolean"}, {"default", defaults.read_only}}}}},
      {"required", {"target"}},
      {"additionalProperties", false},
      {"allOf",
       Schema::array({
           {{"if", when_type(MountType::tmpfs)},
            {"then", {{"not", {{"required", {"source"}}}}}},
            {"else", {{"required", {"source"}}}}},
           {{"if", when_type(MountType::volume)},
            {"then",
             {{"properties", {{"source", {{"pattern", "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"}}}}}}}},
           {{"if", when_bind}, {"then", {{"properties", {{"source", not_never_mounted()}}}}}},
           // The policy: a file named .env may only be mounted read_only.
           {{"if", when_bind_env},
            {"then",
             {{"properties", {{"read_only", {{"const", true}}}}}, {"required", {"read_only"}}}}},
       })},
  };
}

Schema tls() {
  const ContainerTls defaults;
  const Schema path = {{"type", "string"}, {"minLength", 1}};
  auto with = [](Schema s, std::string_view description) {
    s["description"] = std::string(description);
    return s;
  };
  return {
      {"type", "object"},
      {"properties",
       {{"ca_cert",
         with(path,
              "The CA that signed the daemon's certificate (PEM); relative to the dagrun home.")},
        {"client_cert", with(path, "The client certificate (PEM); needs client_key.")},
        {"client_key", with(path, "Its private key (PEM); needs client_cert.")},
        // The policy refuses false (container_policy.cpp).
        {"verify",
         {{"description", "Verify the daemon's certificate; false is refused."},
          {"const", true},
          {"default", defaults.verify}}},
        {"hostname",
         with(path, "The name the daemon's certificate must carry, when not the URL's host.")}}},
      {"additionalProperties", false},
      {"dependentRequired", {{"client_cert", {"client_key"}}, {"client_key", {"client_cert"}}}},
  };
}

// The policy's cap_add: the allowed names, in any case, with or without CAP_
// (normalise_capability).
Schema capability(const ContainerPolicy& policy) {
  std::vector<std::string> names;
  for (const std::string& cap : policy.allowed_capabilities) names.push_back(any_case(cap));
  // The names as written in the policy, for an editor's completion.
  return {{"type", "string"},
          {"pattern",
           "^(?:" + any_case("CAP_") + ")?(?:" + joined(names, "|") + ")" + std::string(kEnd)},
          {"examples", policy.allowed_capabilities}};
}

// docker_url as normalise_docker_url takes it, with the policy's schemes: unix
// with any path, tcp with HOST:PORT (a port from 1 to 65535, leading zeros
// allowed) and one optional '/'.
std::string docker_url_pattern() {
  const std::string host = "(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)";
  const std::string port =
      "(?!0+/?$)"
      "(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
  return "^(?:unix://[\\s\\S]+|tcp://" + host + ":" + port + "/?$)";
}

struct KeyEntry {
  std::string_view name;
  std::string_view description;
  Schema shape;  // the value's schema, with its default
};

std::vector<KeyEntry> key_entries() {
  const ContainerSpec spec;  // the loader's defaults
  const ContainerPolicy policy;
  Schema auto_remove = Schema::array();
  for (AutoRemove a : {AutoRemove::never, AutoRemove::success, AutoRemove::force})
    auto_remove.push_back(std::string(to_string(a)));
  auto_remove.push_back(true);
  auto_remove.push_back(false);
  Schema mem_limit = byte_size(kMinMemory, std::min(limits::kMaxByteSize, policy.max_memory));
  mem_limit["default"] = format_byte_size(policy.default_memory);
  const std::int64_t max_pids = std::min(limits::kMaxPids, policy.max_pids_limit);
  std::string refused_modes =
      "^(?:" + any_case("host") + std::string(kEnd) + "|" + any_case("container:") + ")";

  return {
      {"image",
       "The image, as docker run names it (busybox, bot:1.2, registry/app@sha256:...). Required "
       "here or in default_args' container object; the engine never pulls it.",
       {{"type", "string"}, {"pattern", "^[^ \\t\\n]+$"}}},
      {"command",
       "What to run, instead of the image's CMD. A string is split into words as Python's "
       "shlex.split splits it; a list is used as it is.",
       argv()},
      {"entrypoint",
       "The image's ENTRYPOINT replaced, as command: a string split into words, or a list.",
       argv()},
      {"environment",
       "Variables set in the container, in file order. Names must be non-empty and contain no '='.",
       string_map({{"minLength", 1}, {"pattern", "^[^=]*$"}})},
      {"env_file",
       "A file of KEY=VALUE lines the engine reads on the host and sets before environment; "
       "relative to the dagrun home. It must lie where a bind source may.",
       merged({{"type", "string"}, {"minLength", 1}}, not_never_mounted())},
      {"user",
       "The user the container runs as, instead of the image's: \"app\", \"1000:1000\" or a "
       "user id.",
       {{"anyOf",
         Schema::array({{{"type", "integer"}, {"minimum", 0}, {"maximum", limits::kMaxUid}},
                        {{"type", "string"}, {"minLength", 1}}})}}},
      {"working_dir",
       "The working directory in the container, an absolute path; the image's when left out.",
       absolute_path()},
      {"mounts",
       "Bind mounts (host paths under the policy's mount roots), named volumes and tmpfs mounts.",
       {{"type", "array"}, {"items", mount()}, {"default", Schema::array()}}},
      {"network_mode",
       "none (no network: the safest and fastest), bridge or the name of a user-defined network. "
       "host and container:NAME are refused.",
       {{"type", "string"},
        {"minLength", 1},
        {"not", {{"pattern", refused_modes}}},
        {"examples", {"none", "bridge"}}}},
      {"auto_remove",
       "When the engine removes the container: never, after a success only, or always (force). "
       "true is \"success\" and false \"never\", as in the DockerOperator.",
       // complete_container's default when neither the task nor default_args names it.
       {{"enum", auto_remove}, {"default", std::string(to_string(AutoRemove::force))}}},
      {"mount_tmp_dir",
       "Bind the run's data directory (on the engine's machine) into the container at tmp_dir; "
       "set it to false with a daemon on another machine.",
       {{"type", "boolean"}, {"default", spec.mount_tmp_dir}}},
      {"tmp_dir",
       "Where mount_tmp_dir mounts the run's data directory in the container (DAGRUN_TMP_DIR).",
       merged(absolute_path(), {{"default", spec.tmp_dir}})},
      {"docker_url",
       "The daemon: unix:///PATH or tcp://HOST:PORT (with TLS); $DOCKER_HOST, else "
       "unix:///var/run/docker.sock, when left out. Any other scheme is refused.",
       {{"type", "string"},
        {"pattern", docker_url_pattern()},
        {"examples", {"unix:///var/run/docker.sock", "tcp://docker.internal:2376"}}}},
      {"api_version",
       "The Engine API version, such as \"1.41\"; auto asks the daemon.",
       {{"type", "string"}, {"pattern", "^(auto|1\\.[0-9]{2})$"}, {"default", spec.api_version}}},
      {"tls",
       "Certificates for a tcp:// daemon; from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH when left "
       "out.",
       tls()},
      {"mem_limit",
       "Memory of the container, in bytes or as \"512MiB\"; the policy's default_memory when "
       "left out. At least 6MiB and at most the policy's max_memory.",
       mem_limit},
      {"shm_size", "The size of /dev/shm, in bytes or as \"64MiB\"; the daemon's when left out.",
       byte_size(1, limits::kMaxByteSize)},
      {"cpus",
       "CPUs the container may use, such as 0.5 or 2; no limit when left out.",
       {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", limits::kMaxCpus}}},
      {"pids_limit",
       "Processes the container may have at once; the policy's default_pids_limit when left "
       "out, at most its max_pids_limit.",
       {{"type", "integer"},
        {"minimum", 1},
        {"maximum", max_pids},
        {"default", policy.default_pids_limit}}},
      {"cap_add",
       "Capabilities given back after the engine drops them all: only those the policy allows. "
       "Case does not matter and the CAP_ prefix is optional.",
       {{"type", "array"}, {"items", capability(policy)}, {"default", Schema::array()}}},
      {"labels", "Labels on the container. Keys starting with dagrun. are the engine's.",
       string_map({{"minLength", 1}, {"not", {{"pattern", "^dagrun\\."}}}})},
      {"container_name",
       "A fixed name for the container instead of a generated one; two tries that run at once "
       "then collide.",
       {{"type", "string"}, {"pattern", "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"}}},
      {"skip_on_exit_code",
       "Exit codes that mark the task skipped rather than failed: one, or a list.",
       {{"anyOf", Schema::array({exit_code(), {{"type", "array"}, {"items", exit_code()}}})}}},
      {"xcom_all",
       "Push every line of standard output as the task's XCom, not only the last.",
       {{"type", "boolean"}, {"default", spec.xcom_all}}},
  };
}

}  // namespace

Schema container_object_schema() {
  std::vector<KeyEntry> entries = key_entries();
  Schema properties = Schema::object();
  for (size_t i = 0; i < kContainerKeyCount; ++i) {
    const std::string_view name = container_key_name(static_cast<ContainerKey>(i));
    auto entry = std::find_if(entries.begin(), entries.end(),
                              [&](const KeyEntry& e) { return e.name == name; });
    if (entry == entries.end() || entry->description.empty() || entry->shape.empty())
      throw std::logic_error("container key '" + std::string(name) +
                             "' has no schema (spec/container_schema.cpp)");
    Schema key = {{"description", std::string(entry->description)}};
    key.update(entry->shape);
    properties[std::string(name)] = std::move(key);
  }
  // An entry for a key the loader does not read (renamed, removed) is an error too.
  if (properties.size() != entries.size())
    throw std::logic_error(
        "spec/container_schema.cpp describes a container key the loader does not read");
  return {
      {"type", "object"},
      {"description",
       "A Docker container to run, with the DockerOperator's keys. The built-in container policy's "
       "refusals are stated where the value as written decides them."},
      {"properties", std::move(properties)},
      {"additionalProperties", false},
  };
}

}  // namespace dagrun
