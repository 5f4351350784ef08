// The web UI's compiled files (web/ui/), embedded into the binary by the
// build (cmake/EmbedFiles.cmake writes the definition), so an installed
// dagrun serves its UI with nothing beside it.
#pragma once

#include <string_view>

namespace dagrun::web {

struct UiAsset {
  std::string_view name;          // "index.html", "app.js", "app.css"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// The asset of that exact name, or nullptr. Names are looked up, never
// joined to a path, so no request reaches a file.
const UiAsset* find_ui_asset(std::string_view name);

}  // namespace dagrun::web
