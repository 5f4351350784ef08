// Keeps a container's secrets out of what the engine writes: the try's log,
// the engine's log, the terminal and the error stored in the history. The
// daemon's error messages may quote any part of the create request, the
// environment included, so every message about the try passes through mask().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exec/docker/env_file.h"

namespace dagrun {

// True for variable names that usually hold a secret: containing SECRET,
// TOKEN, PASSWORD, PASSWD, KEY, CREDENTIAL, AUTH, PRIVATE, WEBHOOK, API or
// COOKIE (any letter case).
bool secret_like_name(std::string_view name);

class EnvSecrets {
 public:
  // Values shorter than this are not masked: they are not secrets worth the
  // name, and masking "1" would garble every message.
  static constexpr size_t kMinLength = 4;

  // Every value of an env file is a secret; so is every value of `environment`
  // whose name is secret_like_name.
  void add_env_file(const EnvList& env_file);
  void add_environment(const EnvList& environment);
  void add(std::string_view value);

  // text with every secret, and its JSON-escaped form, replaced by "***".
  std::string mask(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a value wins over a part of it
};

}  // namespace dagrun
