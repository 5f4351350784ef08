#include "spec/field_reader.h"

#include <algorithm>
#include <limits>

#include "model/byte_size.h"
#include "model/duration.h"
#include "model/iso_time.h"
#include "model/limits.h"

namespace dagrun {

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

bool Problems::full() const { return items_.size() >= limits::kMaxDiagnostics; }

void Problems::at(std::string pointer, JsonTarget target, std::string context,
                  std::string message, int occurrence) {
  if (full()) {
    ++dropped_;
    return;
  }
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

// Offsets first, then positions in offset order: the locator counts columns on from
// the previous offset, so a one-line file is scanned once, not once per problem.
Diagnostics Problems::resolve() {
  constexpr size_t kUnknown = static_cast<size_t>(-1);
  std::vector<std::pair<size_t, size_t>> order;  // offset, index in items_
  order.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    const Pending& p = items_[i];
    order.emplace_back(locator().offset(p.pointer, p.target, p.occurrence).value_or(kUnknown), i);
  }
  std::stable_sort(order.begin(), order.end());  // unknown positions last, for now
  Diagnostics out;
  out.reserve(order.size() + 1);
  for (auto [offset, i] : order) {
    SourcePosition pos = offset == kUnknown ? SourcePosition{} : locator().position(offset);
    out.push_back({file_, pos.line, pos.column, std::move(items_[i].context),
                   std::move(items_[i].message)});
  }
  items_.clear();
  std::stable_partition(out.begin(), out.end(), [](const Diagnostic& d) { return d.line == 0; });
  if (dropped_ > 0) {
    out.push_back({file_, 0, 0, "",
                   std::to_string(dropped_) + " more error" + (dropped_ == 1 ? "" : "s") +
                       " not shown (the first " + std::to_string(limits::kMaxDiagnostics) +
                       " are)"});
    dropped_ = 0;
  }
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

std::optional<int> read_int(const Json& v, int min, int max, const Scope& s, std::string_view key,
                            Problems& p) {
  if (v.is_number_unsigned()) {
    // A negative min must not be cast to unsigned: every count is above it.
    auto n = v.get<std::uint64_t>();
    if ((min <= 0 || n >= static_cast<std::uint64_t>(min)) && n <= static_cast<std::uint64_t>(max))
      return static_cast<int>(n);
  } else if (v.is_number_integer()) {
    auto n = v.get<std::int64_t>();
    if (n >= min && n <= max) return static_cast<int>(n);
  }
  if (min < 0) {  // a range on both sides of 0 (priority_weight): both ends said
    p.at_value(s, key, std::string(key) + " must be a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got " + describe(v));
    return std::nullopt;
  }
  std::string what = min == 0 ? "a non-negative integer"
                   : min == 1 ? "a positive integer"
                              : "an integer >= " + std::to_string(min);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    what += " no larger than " + std::to_string(max);
  p.at_value(s, key, std::string(key) + " must be " + what + ", got " + describe(v));
  return std::nullopt;
}

namespace {

// Every duration a DAG gives is added to a time or doubled by a backoff: bounded
// well below where that arithmetic could overflow.
std::optional<Duration> bounded(std::optional<Duration> d, std::string* why) {
  if (!d || *d <= limits::kMaxDuration) return d;
  *why = "duration is longer than " + format_duration(limits::kMaxDuration);
  return std::nullopt;
}

}  // namespace

std::optional<Duration> read_duration(const Json& v, const Scope& s, std::string_view key,
                                      Problems& p) {
  std::string why;
  if (v.is_number()) {
    if (auto d = bounded(duration_from_seconds(v.get<double>(), &why), &why)) return d;
    p.at_value(s, key, "invalid " + std::string(key) + " " + v.dump() + ": " + why);
    return std::nullopt;
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (auto d = bounded(parse_duration(text, &why), &why)) return d;
    p.at_value(s, key, "invalid " + std::string(key) + " '" + text + "': " + why);
    return std::nullopt;
  }
  p.at_value(s, key,
             std::string(key) + " must be a duration such as \"30s\" or \"1h30m\", or a number of "
                                "seconds, got " + describe(v));
  return std::nullopt;
}

std::optional<std::uint64_t> byte_size_value(const Json& v, std::string* why) {
  std::optional<std::uint64_t> n;
  if (v.is_number_unsigned()) n = v.get<std::uint64_t>();
  else if (v.is_string()) n = parse_byte_size(v.get_ref<const std::string&>(), why);
  if (n && *n > limits::kMaxByteSize) {
    n.reset();
    *why = "byte size is larger than " + format_byte_size(limits::kMaxByteSize);
  }
  return n;
}

std::optional<std::uint64_t> read_byte_size(const Json& v, const Scope& s, std::string_view key,
                                            Problems& p) {
  std::string why;
  if (auto n = byte_size_value(v, &why)) return n;
  if (v.is_number_unsigned()) {
    p.at_value(s, key, "invalid " + std::string(key) + " " + v.dump() + ": " + why);
    return std::nullopt;
  }
  if (v.is_string()) {
    p.at_value(s, key, "invalid " + std::string(key) + " '" + v.get<std::string>() + "': " + why);
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
    // The year alone decides: every later date computation (runs, intervals,
    // catch-up) then stays far inside what a time point holds.
    int year = 0;
    bool has_year = text.size() >= 4;
    for (size_t i = 0; has_year && i < 4; ++i) {
      has_year = text[i] >= '0' && text[i] <= '9';
      year = year * 10 + (text[i] - '0');
    }
    if (has_year && (year < limits::kMinYear || year > limits::kMaxYear)) {
      p.at_value(s, key,
                 "invalid " + std::string(key) + " '" + text + "': the year must be from " +
                     std::to_string(limits::kMinYear) + " to " + std::to_string(limits::kMaxYear));
      return std::nullopt;
    }
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
  std::vector<std::string> out;
  if (!append_string_list(v, s, key, p, out)) return std::nullopt;
  return out;
}

bool append_string_list(const Json& v, const Scope& s, std::string_view key, Problems& p,
                        std::vector<std::string>& out) {
  if (!v.is_array()) {
    p.at_value(s, key, std::string(key) + " must be a list of strings, got " + describe(v));
    return false;
  }
  const size_t before = out.size();
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
  if (!ok) out.resize(before);
  return ok;
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
