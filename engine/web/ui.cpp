#include "web/ui.h"

#include "web/ui_assets.h"

namespace dagrun::web {
namespace {

// The UI's own files and the API, nothing inline and nothing from elsewhere:
// a log line or a DAG id that slipped into the page as markup could not run.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
                            path[prefix.size()] == '/');
}

Response text(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = body + "\n";
  return r;
}

}  // namespace

bool is_ui_path(std::string_view path) {
  return path == "/" || starts_with_segment(path, "/dags") || starts_with_segment(path, "/runs") ||
         starts_with_segment(path, "/pools") || path.substr(0, 4) == "/ui/";
}

Response ui_response(const Request& request) {
  if (request.method != "GET") {
    Response r = text(405, "method " + request.method + " is not allowed here; allowed: GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  // /ui/NAME is a file of the bundle; any other UI path is a route of the
  // app, which index.html's script draws.
  const std::string_view name =
      request.path.substr(0, 4) == "/ui/" ? std::string_view(request.path).substr(4) : "index.html";
  const UiAsset* asset = find_ui_asset(name);
  if (!asset) return text(404, "no such file");
  Response r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace dagrun::web
