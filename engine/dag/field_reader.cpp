#include "dag/field_reader.h"

#include <algorithm>
#include <limits>

#include "dag/byte_size.h"
#include "dag/duration.h"
#include "dag/iso_time.h"

namespace dagrun {

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string Scope::pointer(std::string_view key) const {
  std::string out(base);
  if (index >= 0) out += '/' + std::to_string(index);
  if (!key.empty()) out += '/' + pointer_token(key);
  return out;
}

std::string Scope::context() const {
  if (!task_id.empty()) return "task '" + std::string(task_id) + "'";
  if (index >= 0) return std::string(base.substr(1)) + '[' + std::to_string(index) + ']';
  if (base.empty()) return "dag";
  return std::string(base.substr(1));
}

Problems::Problems(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}
Problems::~Problems() = default;

void Problems::at(std::string pointer, JsonTarget target, std::string context,
                  std::string message, int occurrence) {
  items_.push_back(
      {std::move(pointer), target, std::move(context), std::move(message), occurrence});
}

void Problems::at_key(const Scope& scope, std::string_view key, std::string message) {
  at(scope.pointer(key), JsonTarget::key, scope.context(), std::move(message));
}

void Problems::at_value(const Scope& scope, std::string_view key, std::string message) {
  at(scope.pointer(key), JsonTarget::value, scope.context(), std::move(message));
}

JsonLocator& Problems::locator() {
  if (!locator_) locator_ = std::make_unique<JsonLocator>(text_);
  return *locator_;
}

int Problems::line_of(std::string_view pointer, JsonTarget target) {
  return locator().locate(pointer, target).line;
}

Diagnostics Problems::resolve() {
  Diagnostics out;
  out.reserve(items_.size());
  for (Pending& p : items_) {
    SourcePosition pos = locator().locate(p.pointer, p.target, p.occurrence);
    out.push_back({file_, pos.line, pos.column, std::move(p.context), std::move(p.message)});
  }
  items_.clear();
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

std::string_view json_type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number";
    default: return "binary";
  }
}

std::string describe(const Json& v) {
  return v.is_number() ? v.dump() : std::string(json_type_name(v));
}

std::optional<std::string> read_string(const Json& v, const Scope& s, std::string_view key,
                                       Problems& p) {
  if (v.is_string()) return v.get<std::string>();
  p.at_value(s, key, std::string(key) + " must be a string, got " + describe(v));
  return std::nullopt;
}

std::optional<bool> read_bool(const Json& v, const Scope& s, std::string_view key, Problems& p) {
  if (v.is_boolean()) return v.get<bool>();
  p.at_value(s, key, std::string(key) + " must be true or false, got " + describe(v));
  return std::nullopt;
}

std::optional<int> read_int(const Json& v, int min, const Scope& s, std::string_view key,
                            Problems& p) {
  constexpr auto kMax = std::numeric_limits<int>::max();
  if (v.is_number_unsigned()) {
    auto n = v.get<std::uint64_t>();
    if (n >= static_cast<std::uint64_t>(min) && n <= static_cast<std::uint64_t>(kMax))
      return static_cast<int>(n);
  } else if (v.is_number_integer()) {
    auto n = v.get<std::int64_t>();
    if (n >= min && n <= kMax) return static_cast<int>(n);
  }
  std::string what = min == 0 ? "a non-negative integer"
                   : min == 1 ? "a positive integer"
                              : "an integer >= " + std::to_string(min);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMax))
    what += " no larger than " + std::to_string(kMax);
  p.at_value(s, key, std::string(key) + " must be " + what + ", got " + describe(v));
  return std::nullopt;
}

std::optional<Duration> read_duration(const Json& v, const Scope& s, std::string_view key,
                                      Problems& p) {
  std::string why;
  if (v.is_number()) {
    if (auto d = duration_from_seconds(v.get<double>(), &why)) return d;
    p.at_value(s, key, "invalid " + std::string(key) + " " + v.dump() + ": " + why);
    return std::nullopt;
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (auto d = parse_duration(text, &why)) return d;
    p.at_value(s, key, "invalid " + std::string(key) + " '" + text + "': " + why);
    return std::nullopt;
  }
  p.at_value(s, key,
             std::string(key) + " must be a duration such as \"30s\" or \"1h30m\", or a number of "
                                "seconds, got " + describe(v));
  return std::nullopt;
}

std::optional<std::uint64_t> read_byte_size(const Json& v, const Scope& s, std::string_view key,
                                            Problems& p) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string()) {
    std::string why;
    const auto& text = v.get_ref<const std::string&>();
    if (auto n = parse_byte_size(text, &why)) return n;
    p.at_value(s, key, "invalid " + std::string(key) + " '" + text + "': " + why);
    return std::nullopt;
  }
  p.at_value(s, key,
             std::string(key) + " must be a byte size such as \"512MiB\" or a non-negative "
                                "number of bytes, got " + describe(v));
  return std::nullopt;
}

std::optional<TimePoint> read_date(const Json& v, const Scope& s, std::string_view key,
                                   Problems& p) {
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (auto t = parse_iso8601(text)) return t;
    p.at_value(s, key,
               "invalid " + std::string(key) + " '" + text +
                   "': expected an ISO 8601 date such as \"2025-10-19\" or "
                   "\"2025-10-19T06:00:00Z\"");
    return std::nullopt;
  }
  p.at_value(s, key, std::string(key) + " must be an ISO 8601 date string, got " + describe(v));
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_list(const Json& v, const Scope& s,
                                                         std::string_view key, Problems& p) {
  if (!v.is_array()) {
    p.at_value(s, key, std::string(key) + " must be a list of strings, got " + describe(v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(v.size());
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    const Json& e = v[i];
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else {
      p.at(s.pointer(key) + '/' + std::to_string(i), JsonTarget::value, s.context(),
           std::string(key) + '[' + std::to_string(i) + "] must be a string, got " + describe(e));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> read_id(const Json& v, const Scope& s, std::string_view key,
                                   Problems& p) {
  if (!v.is_string()) {
    p.at_value(s, key, std::string(key) + " must be a string, got " + describe(v));
    return std::nullopt;
  }
  const auto& id = v.get_ref<const std::string&>();
  auto why = id_problem(key == "task_id" ? IdKind::task : IdKind::dag, id);
  if (!why) return id;
  p.at_value(s, key, std::string(key) + ' ' + *why);
  return std::nullopt;
}

}  // namespace dagrun
