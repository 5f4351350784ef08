#include "spec/container_objects.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "model/container_values.h"
#include "base/suggest.h"

namespace dagrun {
namespace {

std::optional<ContainerMount> read_mount(const Json& v, size_t index, FieldPlace& out) {
  static constexpr std::array<std::string_view, 4> kMountKeys{"source", "target", "type",
                                                              "read_only"};
  const std::string at = "/mounts/" + std::to_string(index);
  const std::string label = "mounts[" + std::to_string(index) + "]";
  if (!v.is_object()) {
    out.value(at, label + " must be an object with source, target, type and read_only, got " +
                      describe(v));
    return std::nullopt;
  }
  ContainerMount m;
  bool ok = true;
  const Json* source = nullptr;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    const std::string here = at + "/" + pointer_token(key);
    const Json& value = it.value();
    if (key == "source") {
      source = &value;
    } else if (key == "target") {
      auto t = out.absolute_path(value, here, label + ".target");
      if (!t) {
        ok = false;
      } else if (*t == "/") {
        out.value(here, label + ".target must not be '/'");
        ok = false;
      } else {
        m.target = std::move(*t);
      }
    } else if (key == "type") {
      auto type =
          value.is_string() ? parse_mount_type(value.get_ref<const std::string&>()) : std::nullopt;
      if (type) m.type = *type;
      else {
        out.value(here,
                  label + ".type must be \"bind\", \"volume\" or \"tmpfs\", got " +
                      (value.is_string() ? "'" + value.get<std::string>() + "'" : describe(value)));
        ok = false;
      }
    } else if (key == "read_only") {
      if (auto b = out.boolean(value, here, label + ".read_only")) m.read_only = *b;
      else ok = false;
    } else {
      out.key(here,
              "unknown mount key '" + key + "'" + did_you_mean(closest_match(key, kMountKeys)));
      ok = false;
    }
  }
  if (!v.contains("target")) {
    out.value(at, label + ": missing required key 'target'");
    ok = false;
  }
  // The source is read once the type is known: what it may be depends on it.
  if (m.type == MountType::tmpfs) {
    if (source) {
      out.key(at + "/source", label + ": a tmpfs mount has no source");
      ok = false;
    }
  } else if (!source) {
    out.value(at, label + ": missing required key 'source'");
    ok = false;
  } else if (auto s = out.string(*source, at + "/source", label + ".source")) {
    if (s->empty()) {
      out.value(at + "/source", label + ".source must not be empty");
      ok = false;
    } else if (m.type == MountType::volume && !is_volume_name(*s)) {
      out.value(at + "/source", label + ".source '" + *s +
                                    "' is not a volume name: letters, digits, '_', '.' and '-', "
                                    "starting with a letter or digit");
      ok = false;
    } else {
      m.source = std::move(*s);
    }
  } else {
    ok = false;
  }
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace

void read_mounts(const Json& v, FieldPlace& out, ContainerSpec& spec) {
  if (!v.is_array()) {
    out.value("/mounts", "mounts must be a list of mount objects, got " + describe(v));
    return;
  }
  spec.mounts.clear();
  std::unordered_set<std::string> targets;  // a set, so a long list is not quadratic
  for (size_t i = 0; i < v.size(); ++i) {
    auto mount = read_mount(v[i], i, out);
    if (!mount) continue;
    // Docker refuses a create with two mounts at one target; say which one first.
    if (!targets.insert(mount->target).second) {
      out.value("/mounts/" + std::to_string(i) + "/target",
                "mounts[" + std::to_string(i) + "].target '" + mount->target +
                    "' is already the target of an earlier mount");
      continue;
    }
    spec.mounts.push_back(std::move(*mount));
  }
  // The policy points at mounts by index: a list with a wrong mount is left out whole.
  if (spec.mounts.size() != v.size()) spec.mounts.clear();
}

void read_tls(const Json& v, FieldPlace& out, ContainerSpec& spec) {
  static constexpr std::array<std::string_view, 5> kTlsKeys{"ca_cert", "client_cert", "client_key",
                                                            "verify", "hostname"};
  if (!v.is_object()) {
    out.value("/tls",
              "tls must be an object with ca_cert, client_cert, client_key, verify and "
              "hostname, got " +
                  describe(v));
    return;
  }
  ContainerTls tls;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    const std::string here = "/tls/" + pointer_token(key);
    const std::string label = "tls." + key;
    const Json& value = it.value();
    auto text = [&](std::string& field) {
      if (auto s = out.string(value, here, label)) {
        if (s->empty()) out.value(here, label + " must not be empty");
        else field = std::move(*s);
      }
    };
    if (key == "ca_cert") text(tls.ca_cert);
    else if (key == "client_cert") text(tls.client_cert);
    else if (key == "client_key") text(tls.client_key);
    else if (key == "hostname") text(tls.hostname);
    else if (key == "verify") {
      if (auto b = out.boolean(value, here, label)) tls.verify = *b;
    } else {
      out.key(here, "unknown tls key '" + key + "'" + did_you_mean(closest_match(key, kTlsKeys)));
    }
  }
  if (v.contains("client_cert") != v.contains("client_key"))
    out.value("/tls", "tls needs both client_cert and client_key, or neither");
  spec.tls = std::move(tls);
}

}  // namespace dagrun
