#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"
#include "spec/template.h"

using namespace dagrun;

namespace {

TemplateContext sample(const nlohmann::json* params = nullptr, const nlohmann::json* conf = nullptr) {
  auto ctx = make_template_context("etl", "load", "scheduled__2026-11-29T00:00:00.000Z", 2,
                                   *parse_iso8601("2026-11-29T00:00:00Z"), *parse_iso8601("2026-11-29T00:00:00Z"),
                                   *parse_iso8601("2026-11-30T00:00:00Z"));
  ctx.params = params;
  ctx.conf = conf;
  return ctx;
}

}  // namespace

TEST_CASE("the run's values fill their holes, with or without spaces") {
  auto ctx = sample();
  CHECK(render_template("day={{ ds }} {{ds_nodash}} {{  ts  }}", ctx) ==
        "day=2026-11-29 20261129 2026-11-29T00:00:00+00:00");
  CHECK(render_template("{{ data_interval_start }}..{{ data_interval_end }}", ctx) ==
        "2026-11-29T00:00:00+00:00..2026-11-30T00:00:00+00:00");
  CHECK(render_template("{{ dag_id }}/{{ task_id }}/{{ run_id }}#{{ try_number }}", ctx) ==
        "etl/load/scheduled__2026-11-29T00:00:00.000Z#2");
  CHECK(render_template("{{ ts_nodash }}", ctx) == "20261129T000000");
  CHECK(render_template("no holes at all", ctx) == "no holes at all");
}

TEST_CASE("params and conf values render as text, other JSON as JSON") {
  nlohmann::json params = {{"city", "서울"}, {"n", 3}, {"list", {1, 2}}};
  nlohmann::json conf = {{"date", "2026-01-01"}};
  auto ctx = sample(&params, &conf);
  CHECK(render_template("{{ params.city }} {{ params.n }} {{ params.list }} {{ conf.date }}", ctx) ==
        "서울 3 [1,2] 2026-01-01");
  CHECK_THROWS_WITH(render_template("{{ conf.missing }}", ctx), doctest::Contains("conf.missing"));
}

TEST_CASE("JSON values render every string inside, not keys") {
  nlohmann::json params = {{"x", "a"}};
  auto ctx = sample(&params);
  nlohmann::json in = {{"{{ ds }}", {"out_{{ ds_nodash }}.csv", 1, true}}, {"p", "{{ params.x }}"}};
  nlohmann::json out = render_json(in, ctx);
  CHECK(out == nlohmann::json{{"{{ ds }}", {"out_20261129.csv", 1, true}}, {"p", "a"}});
}

TEST_CASE("checking finds unknown names, missing params and broken holes, with offsets") {
  nlohmann::json params = {{"city", "x"}};
  auto errors = check_template("a {{ dss }} b {{ params.cty }} {{ conf.anything }} {{ }} {{ foo.bar }} {{ ds", &params);
  REQUIRE(errors.size() == 5);
  CHECK(errors[0].offset == 2);
  CHECK(errors[0].message == "unknown template name 'dss' (did you mean 'ds'?)");
  CHECK(errors[1].message == "template 'params.cty': the task has no param 'cty' (did you mean 'city'?)");
  CHECK(errors[2].message == "empty template '{{ }}'");
  CHECK(errors[3].message.find("unknown template name 'foo.bar'") == 0);
  CHECK(errors[4].message == "'{{' without a closing '}}'");
  CHECK(check_template("{{ ds }} {{ params.city }} {{ conf.x }}", &params).empty());
}
