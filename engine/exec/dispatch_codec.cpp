#include "exec/dispatch_codec.h"

#include <nlohmann/json.hpp>

namespace dagrun {
namespace {

using nlohmann::json;

constexpr std::string_view kStatusNames[] = {"success", "failed", "failed_no_retry", "skipped"};

std::string status_name(TryOutcome::Status s) { return std::string(kStatusNames[static_cast<int>(s)]); }

std::optional<TryOutcome::Status> parse_status(const std::string& s) {
  for (int i = 0; i < 4; ++i)
    if (kStatusNames[i] == s) return static_cast<TryOutcome::Status>(i);
  return std::nullopt;
}

std::optional<int> optional_int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

std::string encode_payload(const TryPayload& p) {
  json xcoms = json::array();
  for (const auto& [task, key, value] : p.xcoms) xcoms.push_back({task, key, value});
  json j{{"dag_id", p.dag_id}, {"dag_version", p.dag_version}, {"xcoms", xcoms}};
  if (!p.map_item_json.empty()) j["map_item"] = p.map_item_json;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<TryPayload> decode_payload(std::string_view text, std::string* error) {
  try {
    const json j = json::parse(text);
    TryPayload p;
    p.dag_id = j.at("dag_id").get<std::string>();
    p.dag_version = j.at("dag_version").get<std::string>();
    for (const json& x : j.at("xcoms"))
      p.xcoms.emplace_back(x.at(0).get<std::string>(), x.at(1).get<std::string>(), x.at(2).get<std::string>());
    if (auto item = j.find("map_item"); item != j.end()) {
      p.map_item_json = item->get<std::string>();
      if (!json::accept(p.map_item_json)) {
        if (error) *error = "not a try payload: its map_item is not JSON";
        return std::nullopt;
      }
    }
    return p;
  } catch (const json::exception& e) {
    if (error) *error = std::string("not a try payload: ") + e.what();
    return std::nullopt;
  }
}

std::string encode_outcome(const RemoteOutcome& r) {
  const TryOutcome& o = r.outcome;
  json xcoms = json::array();
  for (const auto& [key, value] : r.xcoms) xcoms.push_back({key, value});
  json j{{"status", status_name(o.status)},
         {"exit_code", o.exit_code ? json(*o.exit_code) : json()},
         {"signal", o.signal ? json(*o.signal) : json()},
         {"error", o.error},
         {"timed_out", o.timed_out},
         {"cancelled", o.cancelled},
         {"hostname", o.hostname},
         {"log_path", o.log_path},
         {"xcoms", xcoms}};
  // A task's error text is any bytes; replace what is not UTF-8 rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<RemoteOutcome> decode_outcome(std::string_view text, std::string* error) {
  try {
    const json j = json::parse(text);
    RemoteOutcome r;
    TryOutcome& o = r.outcome;
    auto status = parse_status(j.at("status").get<std::string>());
    if (!status) throw std::invalid_argument("unknown status " + j.at("status").dump());
    o.status = *status;
    o.exit_code = optional_int(j, "exit_code");
    o.signal = optional_int(j, "signal");
    o.error = j.at("error").get<std::string>();
    o.timed_out = j.at("timed_out").get<bool>();
    o.cancelled = j.at("cancelled").get<bool>();
    o.hostname = j.at("hostname").get<std::string>();
    o.log_path = j.at("log_path").get<std::string>();
    for (const json& x : j.at("xcoms")) r.xcoms.emplace_back(x.at(0).get<std::string>(), x.at(1).get<std::string>());
    return r;
  } catch (const std::exception& e) {
    if (error) *error = std::string("not a try outcome: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace dagrun
