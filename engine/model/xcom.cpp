#include "model/xcom.h"

#include <nlohmann/json.hpp>

namespace dagrun {

std::string xcom_problem(std::string_view key, std::string_view value_json) {
  if (key.empty()) return "the key is empty";
  if (key.size() > kXComMaxKeyBytes) return "the key is longer than " + std::to_string(kXComMaxKeyBytes) + " bytes";
  // Checked before the parse: a value over the limit is not read at all.
  if (value_json.size() > kXComMaxBytes)
    return "the value is " + std::to_string(value_json.size()) + " bytes, more than the limit of " +
           std::to_string(kXComMaxBytes);
  if (!nlohmann::json::accept(value_json)) return "the value is not valid JSON";
  return {};
}

}  // namespace dagrun
