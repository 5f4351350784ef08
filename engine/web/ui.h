// The web UI's pages under `dagrun serve` (docs/web-ui.md): the embedded
// index.html for every route of the single-page app (/, /dags/ID, /runs/ID)
// and its script and style sheet under /ui/. The data comes from the API.
#pragma once

#include <string_view>

#include "web/http_server.h"

namespace dagrun::web {

// Whether the path belongs to the UI rather than the API: "/", "/dags...",
// "/runs...", "/pools" and "/ui/...".
bool is_ui_path(std::string_view path);

// The answer to a UI path: the asset, 404 for an unknown one, 405 for a
// method other than GET. Host, Origin and tokens are Api::handle's to check.
Response ui_response(const Request& request);

}  // namespace dagrun::web
