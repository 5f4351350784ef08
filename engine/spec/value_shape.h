// What a key's value looks like, for the JSON Schema of DAG files
// (spec/dag_schema.h). Each key table (task_keys.cpp, dag_keys.cpp) gives
// every key a shape, a description and its default beside its name, so the
// schema is written from the rows the loader reads keys by and cannot name a
// key the loader does not know or miss one it does.
#pragma once

#include <string_view>

namespace dagrun {

enum class Shape {
  any,                // params: any JSON value
  text,               // a string
  text_list,          // a list of strings (tags)
  id,                 // a dag_id or task_id (model/ids.h)
  id_list,            // upstream: distinct task ids
  argv,               // command: a non-empty list of strings
  plugin_name,        // a non-empty string
  container,          // the container object (spec/container_schema.h)
  env,                // an object of strings
  integer,            // an integer from Row::min to Row::max
  boolean,
  duration,           // "30s", "1h30m" or seconds, at most limits::kMaxDuration
  duration_or_null,
  byte_size_or_null,  // 512 or "512MiB", at most limits::kMaxByteSize
  trigger_rule,
  isolation,
  callbacks,          // one callback object or a list of them
  expand,             // a list, or {"xcom": TASK_ID, "key": KEY}
  date_or_null,       // an ISO 8601 date
  schedule,           // cron, a preset, or null
  timezone,           // an IANA zone name
  deadline,           // {"after": DURATION, "from": ...} or null
  default_args,       // the task settings for every task
  tasks,              // the list of tasks
};

// A key's documentation, as the schema and `dagrun schema` show it.
struct KeyDoc {
  Shape shape = Shape::any;
  std::string_view description = {};
  std::string_view default_json = {};  // the default as JSON text, or empty
  long long min = 0;              // for Shape::integer
  long long max = 0;
};

}  // namespace dagrun
