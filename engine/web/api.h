// The REST API of `dagrun serve`, version 1 (docs/api.md; the document the
// server publishes is docs/openapi.json). Every answer is JSON with the field
// names `--json` prints; every error is {"error": "..."} with a status that
// says whose fault it is. Reads open the history per request, so a running
// scheduler or trigger is never blocked; actions go through app/actions, the
// code the command line's verbs use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/engine_paths.h"
#include "base/percent_encoding.h"
#include "web/event_hub.h"
#include "web/http_server.h"
#include "web/tokens.h"

namespace dagrun::web {

struct ApiOptions {
  app::EnginePaths home;
  // Listening on a loopback address: only requests whose Host is a loopback
  // name are answered. A page of another site that rebinds its own name to
  // 127.0.0.1 sends that name as Host, and is refused (403).
  bool loopback = true;
  // With tokens, every request but /healthz needs "Authorization: Bearer
  // TOKEN": a read token may GET, an operate token may also act. nullptr: no
  // authentication (loopback only; the command line enforces that).
  const Tokens* tokens = nullptr;
  // Where /api/v1/events subscribers are added; nullptr: no events (404).
  EventHub* events = nullptr;
};

class Api {
 public:
  explicit Api(ApiOptions options);
  Response handle(const Request& request) const;

 private:
  ApiOptions options_;
};

// Every operation the API answers, as (method, path pattern), e.g. ("GET",
// "/api/v1/runs/{run_id}"): what docs/openapi.json must list.
std::vector<std::pair<std::string, std::string>> api_routes();


}  // namespace dagrun::web
