#include "spec/nested_fields.h"

namespace dagrun {

void FieldPlace::key(std::string_view sub, std::string message) {
  problems_.at(base_ + std::string(sub), JsonTarget::key, context_, std::move(message));
}

void FieldPlace::value(std::string_view sub, std::string message) {
  problems_.at(base_ + std::string(sub), JsonTarget::value, context_, std::move(message));
}

std::optional<std::string> FieldPlace::string(const Json& v, std::string_view sub,
                                              std::string_view label) {
  if (v.is_string()) return v.get<std::string>();
  value(sub, std::string(label) + " must be a string, got " + describe(v));
  return std::nullopt;
}

std::optional<bool> FieldPlace::boolean(const Json& v, std::string_view sub,
                                        std::string_view label) {
  if (v.is_boolean()) return v.get<bool>();
  value(sub, std::string(label) + " must be true or false, got " + describe(v));
  return std::nullopt;
}

std::optional<std::string> FieldPlace::absolute_path(const Json& v, std::string_view sub,
                                                     std::string_view label) {
  auto s = string(v, sub, label);
  if (!s) return std::nullopt;
  if (!s->empty() && s->front() == '/') return s;
  value(sub, std::string(label) + " must be an absolute path, got '" + *s + "'");
  return std::nullopt;
}

}  // namespace dagrun
