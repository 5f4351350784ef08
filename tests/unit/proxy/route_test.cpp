// Which Docker API calls the proxy lets through, by exact template, and the
// path and query tricks that must not reach another call.
#include <doctest/doctest.h>

#include "proxy/route.h"

using namespace dagrun::proxy;

namespace {

Route allowed(const std::string& method, const std::string& target) {
  CAPTURE(method);
  CAPTURE(target);
  RouteDecision d = route_request(method, target);
  CHECK_MESSAGE(d.route.has_value(), d.reason);
  return d.route.value_or(Route{});
}

void refused(const std::string& method, const std::string& target, int status) {
  CAPTURE(method);
  CAPTURE(target);
  RouteDecision d = route_request(method, target);
  CHECK_FALSE(d.route.has_value());
  CHECK(d.http_status == status);
  CHECK_FALSE(d.reason.empty());
}

}  // namespace

TEST_CASE("the container executor's calls pass, with and without a version prefix") {
  CHECK(allowed("GET", "/_ping").kind == RouteKind::ping);
  CHECK(allowed("HEAD", "/_ping").kind == RouteKind::ping);
  CHECK(allowed("GET", "/version").kind == RouteKind::version);
  Route r = allowed("POST", "/v1.41/containers/create?name=dagrun-a-b-1234abcd-1");
  CHECK(r.kind == RouteKind::create);
  CHECK(r.api_version == "1.41");
  CHECK(r.query.at(0).second == "dagrun-a-b-1234abcd-1");
  r = allowed("POST", "/v1.41/containers/abc123/attach?stream=1&stdout=1&stderr=1");
  CHECK(r.kind == RouteKind::container);
  CHECK(r.op == "attach");
  CHECK(r.container == "abc123");
  CHECK(allowed("POST", "/v1.41/containers/abc/wait?condition=next-exit").op == "wait");
  CHECK(allowed("POST", "/v1.41/containers/abc/stop?t=10").op == "stop");
  CHECK(allowed("POST", "/v1.41/containers/abc/kill").op == "kill");
  CHECK(allowed("POST", "/containers/abc/start").op == "start");
  CHECK(allowed("DELETE", "/v1.41/containers/abc?force=1&v=1").op == "remove");
  CHECK(allowed("GET", "/v1.41/containers/abc/json").op == "inspect");
  CHECK(allowed("GET", "/v1.41/containers/abc/logs?stdout=1&tail=all").op == "logs");
  CHECK(allowed("GET", "/v1.41/containers/json?all=1&filters=%7B%7D").kind == RouteKind::list);
}

TEST_CASE("everything else is refused as not needed: exec, archive, build, images, volumes, swarm, events") {
  for (auto [m, t] : std::initializer_list<std::pair<const char*, const char*>>{
           {"POST", "/containers/abc/exec"},     {"POST", "/exec/abc/start"},
           {"GET", "/containers/abc/archive"},   {"PUT", "/containers/abc/archive"},
           {"HEAD", "/containers/abc/archive"},  {"GET", "/containers/abc/export"},
           {"POST", "/commit"},                  {"POST", "/build"},
           {"POST", "/images/create"},           {"POST", "/images/load"},
           {"POST", "/volumes/create"},          {"POST", "/networks/create"},
           {"GET", "/events"},                   {"GET", "/info"},
           {"POST", "/swarm/init"},              {"POST", "/plugins/pull"},
           {"POST", "/session"},                 {"POST", "/containers/prune"},
           {"POST", "/containers/abc/update"},   {"POST", "/containers/abc/rename"},
           {"POST", "/containers/abc/pause"},    {"GET", "/containers/create"},
           {"PUT", "/containers/create"},        {"POST", "/containers/abc/json"},
           {"GET", "/containers/abc/start"},     {"POST", "/v1.41/secrets/create"},
           {"POST", "/containers/abc/resize"},   {"GET", "/containers/abc/top"}}) {
    refused(m, t, 403);
  }
}

TEST_CASE("paths are decoded once: encoded slashes, dot segments, empty segments and double encodings are refused") {
  refused("POST", "/containers/%2e%2e/build", 400);
  refused("POST", "/v1.41/containers/x%2Fy/start", 400);
  refused("POST", "/v1.41/containers/x%2fy/start", 400);
  refused("POST", "//containers/create", 400);
  refused("POST", "/containers//create", 400);
  refused("POST", "/containers/create/", 400);
  refused("POST", "/containers/create/../../build", 400);
  refused("POST", "/v1.41/../build", 400);
  refused("POST", "/containers/./create", 400);
  refused("POST", "/containers/%252e%252e/start", 400);
  refused("POST", "/containers/a%5Cb/start", 400);
  refused("POST", "/containers/%00/start", 400);
  refused("POST", "/containers/%zz/start", 400);
  refused("POST", "/containers/%-1/start", 400);
  refused("POST", "/containers/create#x", 400);
  // A name the daemon could not have: not a container of the proxy's.
  refused("POST", "/containers/-abc/start", 400);
  refused("POST", "/containers/a:b/start", 400);
  // %63reate is "create", decoded once: the same call, still checked as create.
  CHECK(allowed("POST", "/containers/%63reate").kind == RouteKind::create);
}

TEST_CASE("only API versions the proxy knows are accepted") {
  refused("GET", "/v9.99/_ping", 400);
  refused("GET", "/v1.29/_ping", 400);
  refused("GET", "/v1.42/_ping", 400);
  refused("GET", "/v2.0/_ping", 400);
  refused("GET", "/v1/_ping", 400);
  refused("GET", "/v1.041/_ping", 400);
  CHECK(allowed("GET", "/v1.30/_ping").api_version == "1.30");
  CHECK(allowed("GET", "/v1.41/version").api_version == "1.41");
}

TEST_CASE("query parameters: only the call's own, each once, with a value of the right shape") {
  refused("POST", "/containers/create?name=a&name=b", 400);
  refused("POST", "/containers/create?platform=linux", 400);
  refused("POST", "/containers/create?name=../x", 400);
  refused("POST", "/containers/abc/stop?t=-1", 400);
  refused("POST", "/containers/abc/wait?condition=forever", 400);
  refused("POST", "/containers/abc/attach?detachKeys=ctrl-p", 400);
  refused("DELETE", "/containers/abc?link=1", 400);
  refused("POST", "/containers/abc/start?detachKeys=x", 400);
  refused("POST", "/containers/abc/kill?signal=SIG;KILL", 400);
  CHECK(allowed("POST", "/containers/abc/kill?signal=SIGKILL").query.at(0).second == "SIGKILL");
}

TEST_CASE("the upstream target puts the checked id in place of the client's reference and re-encodes the query") {
  Route r = allowed("POST", "/v1.41/containers/short/stop?t=5");
  CHECK(upstream_target(r, "0123abcd") == "/v1.41/containers/0123abcd/stop?t=5");
  r = allowed("DELETE", "/containers/name?force=true");
  CHECK(upstream_target(r, "ff") == "/containers/ff?force=true");
  r = allowed("GET", "/v1.41/containers/x/json");
  CHECK(upstream_target(r, "ee") == "/v1.41/containers/ee/json");
  r = allowed("POST", "/v1.41/containers/create?name=a.b");
  CHECK(upstream_target(r, {}) == "/v1.41/containers/create?name=a.b");
}
