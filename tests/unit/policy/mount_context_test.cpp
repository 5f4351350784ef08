// One function gives the loader and the container executor a DAG's mount
// context: the DAG's own data directory and the places its params name.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "policy/mount_context.h"

using namespace dagrun;
namespace fs = std::filesystem;

TEST_CASE("a DAG's data directory is data/<dag_id>, and ids naming no directory have none") {
  CHECK(dag_data_dir("news") == fs::path("data/news"));
  CHECK(dag_data_dir("a.b-c_d") == fs::path("data/a.b-c_d"));
  CHECK_FALSE(dag_data_dir("").has_value());
  CHECK_FALSE(dag_data_dir(".").has_value());
  CHECK_FALSE(dag_data_dir("..").has_value());
}

TEST_CASE("the mount context takes data_dir and env_file from the params when they are strings") {
  const DagMountContext ctx = dag_mount_context(
      "/home/h", "news", nlohmann::json{{"data_dir", "data/news/in"}, {"env_file", "secrets/news.env"}, {"x", 1}});
  CHECK(ctx.home == fs::path("/home/h"));
  CHECK(ctx.dag_id == "news");
  CHECK(ctx.data_dir == "data/news/in");
  CHECK(ctx.env_file == "secrets/news.env");
}

TEST_CASE("params that are absent, not an object, or of the wrong type add no place") {
  for (const JsonValue& params : {JsonValue(), JsonValue(nlohmann::json::array({"data_dir"})),
                                  JsonValue(nlohmann::json{{"data_dir", 3}, {"env_file", nullptr}})}) {
    const DagMountContext ctx = dag_mount_context("/h", "d", params);
    CHECK(ctx.dag_id == "d");
    CHECK(ctx.data_dir.empty());
    CHECK(ctx.env_file.empty());
  }
}
