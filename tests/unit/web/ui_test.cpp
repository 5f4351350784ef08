// The web UI's paths (web/ui.cpp): which belong to the UI, that every route
// of the app gets index.html with its policy, and that files are found by
// name only, so no path reaches the file system.
#include <doctest/doctest.h>

#include <string>

#include "web/ui.h"
#include "web/ui_assets.h"

using namespace dagrun::web;

namespace {

Response get(const std::string& path, const std::string& method = "GET") {
  Request r;
  r.method = method;
  r.path = path;
  return ui_response(r);
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

}  // namespace

TEST_CASE("web ui: the app's routes and files are the UI's, the API's paths are not") {
  for (const char* p : {"/", "/dags", "/dags/etl", "/runs/manual__1", "/pools", "/ui/app.js"})
    CHECK_MESSAGE(is_ui_path(p), p);
  for (const char* p : {"/api/v1/dags", "/api/v1/pools", "/healthz", "/dagsx", "/runsy/1", "/poolsz", "/uix", "/favicon.ico"})
    CHECK_MESSAGE(!is_ui_path(p), p);
}

TEST_CASE("web ui: every route is index.html with a policy that allows only the UI's own script") {
  for (const char* p : {"/", "/dags/etl", "/runs/a%2Fb"}) {
    const Response r = get(p);
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body.find("/ui/app.js") != std::string::npos);
    CHECK(header(r, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  }
  const Response js = get("/ui/app.js");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == find_ui_asset("app.js")->body);
  CHECK(get("/ui/app.css").content_type == "text/css; charset=utf-8");
}

TEST_CASE("web ui: unknown names, traversal and methods other than GET") {
  for (const char* p : {"/ui/nope.js", "/ui/../etc/passwd", "/ui/./app.js", "/ui/", "/ui/dist/app.js"})
    CHECK_MESSAGE(get(p).status == 404, p);
  const Response post = get("/", "POST");
  CHECK(post.status == 405);
  CHECK(header(post, "Allow") == "GET");
}
