#include "proxy/ownership.h"

#include <nlohmann/json.hpp>

#include "base/percent_encoding.h"
#include "proxy/create_check.h"

namespace dagrun::proxy {

Ownership check_owner(const Upstream& upstream, const Route& route, const std::string& proxy_name) {
  std::string prefix = route.api_version.empty() ? "" : "/v" + route.api_version;
  Upstream::Answer a = upstream.get(prefix + "/containers/" + url_encode(route.container) + "/json");
  Ownership out;
  if (a.status == 404) {
    out.http_status = 404;
    out.reason = "no container '" + route.container + "'";
    return out;
  }
  // An id prefix that matches several containers is the client's mistake
  // (the daemon says 400), not a broken daemon. The daemon's words are not
  // passed on: they could name containers that are not the client's.
  if (a.status >= 400 && a.status < 500) {
    out.http_status = 400;
    out.reason = "the Docker daemon cannot resolve '" + route.container + "' to one container (status " +
                 std::to_string(a.status) + ")";
    return out;
  }
  if (a.status != 200) throw UpstreamError("the Docker daemon answered inspect with " + std::to_string(a.status));
  auto doc = nlohmann::json::parse(a.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("Id") || !doc["Id"].is_string())
    throw UpstreamError("the Docker daemon's inspect answer has no Id");
  const nlohmann::json* labels = nullptr;
  if (auto c = doc.find("Config"); c != doc.end() && c->is_object())
    if (auto l = c->find("Labels"); l != c->end() && l->is_object()) labels = &*l;
  bool ours = false;
  if (labels)
    if (auto it = labels->find(kProxyLabel); it != labels->end() && it->is_string())
      ours = it->get<std::string>() == proxy_name;
  if (!ours) {
    out.http_status = 403;
    out.reason = "container '" + route.container + "' was not created through this proxy";
    return out;
  }
  out.full_id = doc["Id"].get<std::string>();
  return out;
}

std::optional<std::string> restrict_list(Route& route, const std::string& proxy_name) {
  using nlohmann::json;
  const std::string mine = std::string(kProxyLabel) + "=" + proxy_name;
  for (auto& [key, value] : route.query) {
    if (key != "filters") continue;
    json filters = json::parse(value, nullptr, false);
    if (!filters.is_object()) return "query parameter 'filters' is not a JSON object";
    // The daemon takes {"label":["k=v"]} and the older {"label":{"k=v":true}}.
    for (auto& [name, v] : filters.items()) {
      bool ok = v.is_array() || v.is_object();
      if (v.is_array())
        for (const json& e : v) ok = ok && e.is_string();
      if (v.is_object())
        for (const auto& [k, b] : v.items()) ok = ok && b.is_boolean();
      if (!ok) return "filter '" + name.substr(0, 64) + "' is not a list of strings";
    }
    json& label = filters["label"];
    if (label.is_object()) label[mine] = true;
    else if (label.is_array()) label.push_back(mine);
    else label = json::array({mine});
    value = filters.dump();
    return std::nullopt;
  }
  route.query.emplace_back("filters", json({{"label", json::array({mine})}}).dump());
  return std::nullopt;
}

}  // namespace dagrun::proxy
