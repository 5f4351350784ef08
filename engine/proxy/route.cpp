#include "proxy/route.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/percent_encoding.h"

namespace dagrun::proxy {
namespace {

RouteDecision refuse(int status, std::string reason) {
  RouteDecision d;
  d.http_status = status;
  d.reason = std::move(reason);
  return d;
}

bool digits(std::string_view s, size_t max = 18) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A container's name or id as the daemon accepts it ([a-zA-Z0-9][a-zA-Z0-9_.-]*),
// bounded: anything else cannot name a container the proxy created.
bool container_ref(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// How a query parameter's value must look.
enum class Value { boolean, number, name, signal, condition, tail, timestamp, json };

bool value_ok(Value kind, const std::string& v) {
  switch (kind) {
    case Value::boolean: return v == "0" || v == "1" || v == "true" || v == "false" || v == "True" || v == "False";
    case Value::number: return digits(v, 6);
    case Value::name: return container_ref(v);
    case Value::signal:
      return !v.empty() && v.size() <= 16 && std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      });
    case Value::condition: return v == "not-running" || v == "next-exit" || v == "removed";
    case Value::tail: return v == "all" || digits(v, 9);
    case Value::timestamp: {
      // Seconds since the epoch, with an optional fraction (the logs' since/until).
      size_t dot = v.find('.');
      if (dot == std::string::npos) return digits(v, 12);
      return digits(std::string_view(v).substr(0, dot), 12) && digits(std::string_view(v).substr(dot + 1), 9);
    }
    case Value::json: return !v.empty() && v.size() <= 4096;  // parsed by the list's own check
  }
  return false;
}

using Params = std::map<std::string, Value>;

// What each call may carry in its query: the container executor's calls,
// and the usual ones a Docker client adds to them.
const Params& params_of(RouteKind kind, const std::string& op) {
  static const Params none;
  static const Params create{{"name", Value::name}};
  static const Params list{{"all", Value::boolean}, {"filters", Value::json}, {"limit", Value::number},
                           {"size", Value::boolean}};
  static const std::map<std::string, Params> ops{
      {"start", {}},
      {"stop", {{"t", Value::number}}},
      {"kill", {{"signal", Value::signal}}},
      {"wait", {{"condition", Value::condition}}},
      {"attach",
       {{"stream", Value::boolean}, {"stdout", Value::boolean}, {"stderr", Value::boolean},
        {"logs", Value::boolean}, {"stdin", Value::boolean}}},
      {"logs",
       {{"stdout", Value::boolean}, {"stderr", Value::boolean}, {"follow", Value::boolean},
        {"timestamps", Value::boolean}, {"since", Value::timestamp}, {"until", Value::timestamp},
        {"tail", Value::tail}}},
      {"inspect", {{"size", Value::boolean}}},
      {"remove", {{"force", Value::boolean}, {"v", Value::boolean}}},
  };
  switch (kind) {
    case RouteKind::create: return create;
    case RouteKind::list: return list;
    case RouteKind::container: return ops.at(op);
    default: return none;
  }
}

// Decodes and checks the query against the call's parameters.
std::optional<std::string> parse_query(std::string_view query, Route& route) {
  const Params& allowed = params_of(route.kind, route.op);
  std::set<std::string> seen;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string raw_value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    std::replace(raw_value.begin(), raw_value.end(), '+', ' ');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(raw_value);
    if (!key || !value) return "a malformed escape in the query";
    auto it = allowed.find(*key);
    if (it == allowed.end()) return "query parameter '" + key->substr(0, 64) + "' is not allowed here";
    // The daemon reads the first of a repeated parameter; refusing any
    // repeat leaves nothing for the two to read differently.
    if (!seen.insert(*key).second) return "query parameter '" + *key + "' is repeated";
    if (!value_ok(it->second, *value)) return "query parameter '" + *key + "' has a value that is not allowed";
    route.query.emplace_back(std::move(*key), std::move(*value));
  }
  return std::nullopt;
}

}  // namespace

RouteDecision route_request(const std::string& method, const std::string& target) {
  if (target.find('#') != std::string::npos) return refuse(400, "a fragment in the request target");
  size_t q = target.find('?');
  std::string_view path = std::string_view(target).substr(0, q);
  std::string_view query = q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);

  // Segments, each decoded once and checked: no segment may decode to
  // anything that would change the path's shape or hide a second encoding.
  std::vector<std::string> segments;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view raw = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (raw.empty()) {
      if (slash == path.size() && !segments.empty()) return refuse(400, "a trailing '/' in the path");
      return refuse(400, "an empty segment ('//') in the path");
    }
    auto seg = percent_decode(raw);
    if (!seg) return refuse(400, "a malformed escape in the path");
    if (*seg == "." || *seg == "..") return refuse(400, "a '.' or '..' segment in the path");
    if (seg->find_first_of("/%\\") != std::string::npos)
      return refuse(400, "an encoded '/', '\\' or '%' in the path");
    segments.push_back(std::move(*seg));
  }

  Route route;
  if (!segments.empty() && segments[0].size() > 1 && segments[0][0] == 'v') {
    const std::string& v = segments[0];
    size_t dot = v.find('.');
    std::string_view major = std::string_view(v).substr(1, dot == std::string::npos ? std::string::npos : dot - 1);
    std::string_view minor = dot == std::string::npos ? std::string_view() : std::string_view(v).substr(dot + 1);
    if (digits(major, 3) && (dot == std::string::npos || digits(minor, 3))) {
      int mi = minor.empty() ? -1 : std::stoi(std::string(minor));
      if (major != "1" || minor.size() > 2 || mi < kMinApiMinor || mi > kMaxApiMinor)
        return refuse(400, "API version " + v.substr(1) + " is not one the proxy knows (1." +
                               std::to_string(kMinApiMinor) + " to 1." + std::to_string(kMaxApiMinor) + ")");
      route.api_version = v.substr(1);
      segments.erase(segments.begin());
    }
  }

  auto not_allowed = [&] {
    return refuse(403, method + " " + std::string(path.substr(0, 200)) +
                           " is not an operation container tasks need, so the proxy refuses it");
  };
  const size_t n = segments.size();
  if (n == 1 && segments[0] == "_ping" && (method == "GET" || method == "HEAD")) {
    route.kind = RouteKind::ping;
  } else if (n == 1 && segments[0] == "version" && method == "GET") {
    route.kind = RouteKind::version;
  } else if (n == 2 && segments[0] == "containers" && segments[1] == "create" && method == "POST") {
    route.kind = RouteKind::create;
  } else if (n == 2 && segments[0] == "containers" && segments[1] == "json" && method == "GET") {
    route.kind = RouteKind::list;
  } else if (n == 2 && segments[0] == "containers" && method == "DELETE") {
    route.kind = RouteKind::container;
    route.op = "remove";
  } else if (n == 3 && segments[0] == "containers") {
    static const std::map<std::string, std::string> ops{{"start", "POST"}, {"stop", "POST"},  {"kill", "POST"},
                                                        {"wait", "POST"},  {"attach", "POST"}, {"logs", "GET"},
                                                        {"json", "GET"}};
    auto it = ops.find(segments[2]);
    if (it == ops.end() || it->second != method) return not_allowed();
    route.kind = RouteKind::container;
    route.op = segments[2] == "json" ? "inspect" : segments[2];
  } else {
    return not_allowed();
  }
  if (route.kind == RouteKind::container) {
    if (!container_ref(segments[1])) return refuse(400, "the container reference is not a container name or id");
    route.container = segments[1];
  }
  if (auto problem = parse_query(query, route)) return refuse(400, *problem);
  RouteDecision d;
  d.route = std::move(route);
  return d;
}

std::string upstream_target(const Route& route, const std::string& container_id) {
  std::string out = route.api_version.empty() ? "" : "/v" + route.api_version;
  switch (route.kind) {
    case RouteKind::ping: out += "/_ping"; break;
    case RouteKind::version: out += "/version"; break;
    case RouteKind::create: out += "/containers/create"; break;
    case RouteKind::list: out += "/containers/json"; break;
    case RouteKind::container:
      out += "/containers/" + url_encode(container_id);
      if (route.op == "inspect") out += "/json";
      else if (route.op != "remove") out += "/" + route.op;
      break;
  }
  char sep = '?';
  for (const auto& [k, v] : route.query) {
    out += sep + url_encode(k) + "=" + url_encode(v);
    sep = '&';
  }
  return out;
}

}  // namespace dagrun::proxy
