// The API's route table and docs/openapi.json list the same operations: an
// operation added to one and not the other fails here. (e2e.openapi then
// calls each documented operation and checks the answers.)
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "web/api.h"

using dagrun::web::api_routes;

TEST_CASE("every route is documented in docs/openapi.json, and every documented operation is routed") {
  const std::filesystem::path doc_path = std::filesystem::path(DAGRUN_DOCS_DIR) / "openapi.json";
  std::ifstream in(doc_path);
  REQUIRE_MESSAGE(in, "cannot read " << doc_path);
  const nlohmann::json doc = nlohmann::json::parse(in);
  std::set<std::pair<std::string, std::string>> documented, routed;
  for (const auto& [path, ops] : doc.at("paths").items())
    for (const auto& [method, op] : ops.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, path);
    }
  for (const auto& r : api_routes()) routed.insert(r);
  for (const auto& r : routed) CHECK_MESSAGE(documented.count(r), r.first << " " << r.second << " is not documented");
  for (const auto& d : documented) CHECK_MESSAGE(routed.count(d), d.first << " " << d.second << " is not routed");
  CHECK(routed.size() >= 14);
}

