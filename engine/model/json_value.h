// A JSON value held by the model (a task's or a DAG's params) without every
// file that includes model.h compiling nlohmann/json.hpp: the header only
// needs the forward declarations, and the value lives behind a pointer.
// Copies are deep, like the json they hold. An empty one (default-made or
// moved from) reads as null and costs no allocation, which matters for the
// 100,000 tasks of a large DAG that have no params.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

namespace dagrun {

class JsonValue {
 public:
  JsonValue() noexcept;
  JsonValue(nlohmann::json value);  // NOLINT: implicit, as assigning a json is what it is for
  JsonValue(const JsonValue& other);
  JsonValue(JsonValue&& other) noexcept;
  JsonValue& operator=(const JsonValue& other);
  JsonValue& operator=(JsonValue&& other) noexcept;
  ~JsonValue();

  // Reading never allocates: params->is_null() on a task without any is free.
  const nlohmann::json& operator*() const;
  const nlohmann::json* operator->() const { return &**this; }
  // For changing the value in place; makes it (null) if there is none yet.
  nlohmann::json& mutate();

 private:
  std::unique_ptr<nlohmann::json> value_;  // null: the JSON null
};

}  // namespace dagrun
