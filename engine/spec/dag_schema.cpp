#include "spec/dag_schema.h"

#include <chrono>
#include <stdexcept>
#include <string>

#include "model/callbacks.h"
#include "model/ids.h"
#include "model/limits.h"
#include "model/states.h"
#include "spec/container_schema.h"
#include "spec/dag_keys.h"
#include "spec/task_keys.h"

namespace dagrun {
namespace {

using Schema = nlohmann::ordered_json;

Schema ref(std::string_view def) { return {{"$ref", "#/$defs/" + std::string(def)}}; }

Schema or_null(Schema s) { return {{"anyOf", Schema::array({std::move(s), {{"type", "null"}}})}}; }

long long seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// The value forms shared by several keys. The patterns say what the parsers
// (model/duration.cpp, model/byte_size.cpp, model/ids.cpp) take; the bounds
// come from model/limits.h.
Schema defs() {
  Schema d = Schema::object();
  d["id"] = {
      {"type", "string"},
      {"description", "Letters, digits, '_', '-' and '.'; not \".\" or \"..\"."},
      {"minLength", 1},
      {"maxLength", kMaxIdLength},
      {"pattern", "^[A-Za-z0-9_.-]+$"},
      {"not", {{"enum", {".", ".."}}}},
  };
  d["duration"] = {
      {"description", "A duration: \"30s\", \"5m\", \"1h30m\", \"250ms\", \"2d\", or a number of seconds; "
                      "at most a year."},
      {"anyOf", Schema::array({
                    {{"type", "number"}, {"minimum", 0}, {"maximum", seconds(limits::kMaxDuration)}},
                    {{"type", "string"}, {"pattern", "^([0-9]+(ms|s|m|h|d))+$"}},
                })},
  };
  // Where a duration must be more than 0 (a deadline, a callback's timeout).
  d["not_zero"] = {
      {"not", {{"anyOf", Schema::array({{{"type", "number"}, {"maximum", 0}},
                                        {{"type", "string"}, {"pattern", "^(0+(ms|s|m|h|d))+$"}}})}}},
  };
  d["byte_size"] = {
      {"description", "A size in bytes, or a string such as \"512MiB\", \"1.5GB\" or \"64m\"; at most 1 PiB."},
      {"anyOf",
       Schema::array({
           {{"type", "integer"}, {"minimum", 0}, {"maximum", limits::kMaxByteSize}},
           {{"type", "string"},
            {"pattern", "^[0-9]+(\\.[0-9]+)? ?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|k|K|m|M|g|G|t|T)?$"}},
       })},
  };
  d["argv"] = {
      {"description", "A program and its arguments, as a list (not a shell line)."},
      {"type", "array"},
      {"minItems", 1},
      {"items", {{"type", "string"}}},
  };
  d["env"] = {
      {"type", "object"},
      {"propertyNames", {{"minLength", 1}, {"pattern", "^[^=]*$"}}},
      {"additionalProperties", {{"type", "string"}}},
  };
  Schema callback = {
      {"type", "object"},
      {"description", "One action: a command, a plugin (in a task host of its own) or a webhook "
                      "(an HTTP POST of the event as JSON)."},
      {"properties",
       {
           {"command", ref("argv")},
           {"plugin", {{"type", "string"}, {"minLength", 1}, {"description", "A plugin's name."}}},
           {"webhook",
            {{"type", "string"},
             {"description", "An http:// or https:// URL."},
             {"maxLength", limits::kMaxWebhookUrlBytes},
             {"pattern", "^https?://[^/\\u0000-\\u0020\\u007f][^\\u0000-\\u0020\\u007f]*$"}}},
           {"timeout",
            {{"description", "How long the action may take; more than 0 and at most 1h."},
             {"allOf", Schema::array({ref("duration"), ref("not_zero"),
                                      {{"if", {{"type", "number"}}},
                                       {"then", {{"maximum", seconds(limits::kMaxCallbackTimeout)}}}}})}}},
           {"env", ref("env")},
           {"params", {{"description", "Values for the plugin."}}},
       }},
      {"additionalProperties", false},
      {"oneOf", Schema::array({{{"required", {"command"}}}, {{"required", {"plugin"}}}, {{"required", {"webhook"}}}})},
      {"allOf",
       Schema::array({
           {{"if", {{"required", {"webhook"}}}}, {"then", {{"properties", {{"env", false}, {"params", false}}}}}},
           {{"if", {{"required", {"command"}}}}, {"then", {{"properties", {{"params", false}}}}}},
       })},
  };
  d["callback"] = std::move(callback);
  d["callbacks"] = {
      {"anyOf", Schema::array({ref("callback"),
                               {{"type", "array"},
                                {"minItems", 1},
                                {"maxItems", limits::kMaxCallbacks},
                                {"items", ref("callback")}},
                               {{"type", "null"}}})},
  };
  d["expand"] = {
      {"anyOf",
       Schema::array({
           {{"type", "array"}, {"maxItems", limits::kMaxMapLength}, {"description", "One instance per item."}},
           {{"type", "object"},
            {"description", "The list an upstream task pushed as its XCom."},
            {"properties",
             {{"xcom", {{"$ref", "#/$defs/id"}, {"description", "The upstream task's id."}}},
              {"key", {{"type", "string"}, {"description", "The XCom's key; return_value when left out."}}}}},
            {"required", {"xcom"}},
            {"additionalProperties", false}},
       })},
  };
  d["container"] = container_object_schema();
  return d;
}

Schema trigger_rules() {
  Schema names = Schema::array();
  for (int i = 0; i <= static_cast<int>(TriggerRule::always); ++i)
    names.push_back(std::string(to_string(static_cast<TriggerRule>(i))));
  return names;
}

// The schema of one key's value.
Schema shape_schema(const KeyDoc& doc) {
  switch (doc.shape) {
    case Shape::any: return Schema::object();
    case Shape::text: return {{"type", "string"}};
    case Shape::text_list: return {{"type", "array"}, {"items", {{"type", "string"}}}};
    case Shape::id: return ref("id");
    case Shape::id_list:
      return {{"type", "array"}, {"maxItems", limits::kMaxUpstream}, {"uniqueItems", true}, {"items", ref("id")}};
    case Shape::argv: return ref("argv");
    case Shape::plugin_name: return {{"type", "string"}, {"minLength", 1}};
    case Shape::container: return ref("container");
    case Shape::env: return ref("env");
    case Shape::integer: return {{"type", "integer"}, {"minimum", doc.min}, {"maximum", doc.max}};
    case Shape::boolean: return {{"type", "boolean"}};
    case Shape::duration: return ref("duration");
    case Shape::duration_or_null: return or_null(ref("duration"));
    case Shape::byte_size_or_null: return or_null(ref("byte_size"));
    case Shape::trigger_rule: return {{"enum", trigger_rules()}};
    case Shape::isolation: return {{"enum", {"process", "in_process"}}};
    case Shape::callbacks: return ref("callbacks");
    case Shape::expand: return ref("expand");
    case Shape::date_or_null:
      // The loader takes years 1970 to 2199; the rest of the date is checked by it.
      return or_null({{"type", "string"}, {"pattern", "^(19[7-9][0-9]|2[01][0-9][0-9])-[0-9]{2}-[0-9]{2}"}});
    case Shape::schedule:
      return or_null({{"type", "string"},
                      {"examples", {"@daily", "@hourly", "*/10 * * * *", "0 6 * * 1-5"}}});
    case Shape::timezone: return {{"type", "string"}, {"examples", {"UTC", "Asia/Seoul"}}};
    case Shape::deadline:
      return or_null({{"type", "object"},
                      {"properties",
                       {{"after", {{"allOf", Schema::array({ref("duration"), ref("not_zero")})}}},
                        {"from", {{"enum", {"data_interval_end", "logical_date", "queued_at"}}}}}},
                      {"required", {"after"}},
                      {"additionalProperties", false}});
    case Shape::default_args: return ref("default_args");
    case Shape::tasks:
      return {{"type", "array"}, {"minItems", 1}, {"maxItems", limits::kMaxTasks}, {"items", ref("task")}};
  }
  throw std::logic_error("a key shape without a schema");
}

// A key's schema: its value's, with the description and default from its row.
Schema key_schema(const KeyDoc& doc) {
  Schema s = shape_schema(doc);
  // A $ref beside other keywords is fine in draft 2020-12.
  s["description"] = std::string(doc.description);
  if (!doc.default_json.empty()) s["default"] = Schema::parse(doc.default_json);
  return s;
}

TaskKey task_key(size_t i) { return static_cast<TaskKey>(i); }

// The keys with no effect on a form are refused on a task of that form: the
// forms are told apart by the kind key, and an in_process plugin by its own
// isolation (one it takes from default_args is beyond the schema).
Schema form_rules() {
  Schema rules = Schema::array();
  auto refuse = [&](Schema when, TaskForm form) {
    Schema props = Schema::object();
    for (size_t k = 0; k < kTaskKeyCount; ++k)
      if (!is_kind_key(task_key(k)) && !has_effect(task_key(k), form))
        props[std::string(task_key_name(task_key(k)))] = false;
    if (!props.empty()) rules.push_back({{"if", std::move(when)}, {"then", {{"properties", std::move(props)}}}});
  };
  refuse({{"required", {"command"}}}, TaskForm::command);
  refuse({{"required", {"container"}}}, TaskForm::container);
  refuse({{"required", {"plugin"}}}, TaskForm::process_plugin);
  refuse({{"required", {"plugin", "isolation"}}, {"properties", {{"isolation", {{"const", "in_process"}}}}}},
         TaskForm::in_process_plugin);
  return rules;
}

Schema task_schema() {
  Schema props = Schema::object();
  for (size_t k = 0; k < kTaskKeyCount; ++k)
    props[std::string(task_key_name(task_key(k)))] = key_schema(task_key_doc(task_key(k)));
  Schema kinds = Schema::array();
  for (size_t k = 0; k < kTaskKeyCount; ++k)
    if (is_kind_key(task_key(k))) kinds.push_back({{"required", {std::string(task_key_name(task_key(k)))}}});
  return {
      {"type", "object"},
      {"description", "A task: exactly one of command, plugin or container, and its settings."},
      {"properties", std::move(props)},
      {"required", {"task_id"}},
      {"additionalProperties", false},
      {"oneOf", std::move(kinds)},
      {"allOf", form_rules()},
  };
}

Schema default_args_schema() {
  Schema props = Schema::object();
  for (size_t k = 0; k < kTaskKeyCount; ++k)
    if (has_default(task_key(k))) props[std::string(task_key_name(task_key(k)))] = key_schema(task_key_doc(task_key(k)));
  return {{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
}

}  // namespace

nlohmann::ordered_json dag_schema() {
  Schema props = Schema::object();
  Schema required = Schema::array();
  for (size_t i = 0; i < kDagKeyCount; ++i) {
    const auto key = static_cast<DagKey>(i);
    if (is_refused_dag_key(key)) continue;
    props[std::string(dag_key_name(key))] = key_schema(dag_key_doc(key));
    if (is_required_dag_key(key)) required.push_back(std::string(dag_key_name(key)));
  }
  Schema d = defs();
  d["task"] = task_schema();
  d["default_args"] = default_args_schema();
  Schema deadline_pair = Schema::array({
      {{"if", {{"required", {"on_deadline"}}}}, {"then", {{"required", {"deadline"}}}}},
      {{"if", {{"required", {"deadline"}}, {"properties", {{"deadline", {{"type", "object"}}}}}}},
       {"then", {{"required", {"on_deadline"}}}}},
  });
  return {
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"title", "dagrun DAG file"},
      {"description", "A DAG for dagrun: its schedule and its tasks (docs/dag-format.md)."},
      {"type", "object"},
      {"properties", std::move(props)},
      {"required", std::move(required)},
      {"additionalProperties", false},
      {"allOf", std::move(deadline_pair)},
      {"$defs", std::move(d)},
  };
}

}  // namespace dagrun
