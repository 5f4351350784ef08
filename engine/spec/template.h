// Airflow-style templates in task strings: "{{ ds }}", "{{ params.city }}".
// Only names, no expressions: a template is text with {{ NAME }} holes, and
// an unknown name is an error (when the DAG is validated), never an empty
// string. Rendering happens when a try starts, with the run's values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/model.h"

namespace dagrun {

// The names a template may use.
inline constexpr const char* kTemplateNames[] = {
    "ds", "ds_nodash", "ts", "ts_nodash", "data_interval_start", "data_interval_end",
    "logical_date", "run_id", "dag_id", "task_id", "try_number"};

struct TemplateError {
  size_t offset;        // byte offset of the problem in the text
  std::string message;  // "unknown template name 'dss' (did you mean 'ds'?)"
};

// A mapped task's instance has two more (docs/dag-format.md, "Mapped tasks"):
// map_index, and map_item (a string item as it is, any other as JSON), with
// map_item.KEY for an item that is an object.
inline constexpr const char* kMapTemplateNames[] = {"map_index", "map_item"};

// Problems in one string: unterminated "{{", an empty hole, an unknown name,
// params.KEY for a KEY the task's params lack (when params are known),
// map_index and map_item in a task that is not mapped.
// conf.KEY and map_item.KEY are accepted for any KEY: they arrive with the run.
std::vector<TemplateError> check_template(std::string_view text, const nlohmann::json* params, bool mapped = false);

// True when text holds a "{{": strings without one are left alone cheaply.
inline bool has_template(std::string_view text) { return text.find("{{") != std::string_view::npos; }

// The values of one try.
struct TemplateContext {
  std::map<std::string, std::string, std::less<>> values;  // ds, ts, run_id, ...
  const nlohmann::json* params = nullptr;
  const nlohmann::json* conf = nullptr;
  const nlohmann::json* map_item = nullptr;  // a mapped task's instance: its item
};

// A mapped task's instance: map_index and map_item join the values.
void add_map_values(TemplateContext& ctx, int index, const nlohmann::json& item);

// Builds the values: dates from the run's logical date and data interval (UTC).
TemplateContext make_template_context(const std::string& dag_id, const std::string& task_id,
                                      const std::string& run_id, int try_number, TimePoint logical_date,
                                      TimePoint interval_start, TimePoint interval_end);

// Renders text; throws std::runtime_error naming the hole when a value is
// missing (conf.KEY the run did not get).
std::string render_template(std::string_view text, const TemplateContext& ctx);

// Renders every string inside a JSON value (keys are left alone).
nlohmann::json render_json(const nlohmann::json& value, const TemplateContext& ctx);

}  // namespace dagrun
