#include "model/json_value.h"

#include <nlohmann/json.hpp>

#include <utility>

namespace dagrun {
namespace {

const nlohmann::json& null_json() {
  static const nlohmann::json null;
  return null;
}

}  // namespace

JsonValue::JsonValue(nlohmann::json value) {
  if (!value.is_null()) value_ = std::make_unique<nlohmann::json>(std::move(value));
}

JsonValue::JsonValue(const JsonValue& other)
    : value_(other.value_ ? std::make_unique<nlohmann::json>(*other.value_) : nullptr) {}

JsonValue& JsonValue::operator=(const JsonValue& other) {
  if (this != &other) value_ = other.value_ ? std::make_unique<nlohmann::json>(*other.value_) : nullptr;
  return *this;
}

JsonValue::JsonValue() noexcept = default;
JsonValue::JsonValue(JsonValue&& other) noexcept = default;
JsonValue& JsonValue::operator=(JsonValue&& other) noexcept = default;
JsonValue::~JsonValue() = default;

const nlohmann::json& JsonValue::operator*() const { return value_ ? *value_ : null_json(); }

nlohmann::json& JsonValue::mutate() {
  if (!value_) value_ = std::make_unique<nlohmann::json>();
  return *value_;
}

}  // namespace dagrun
