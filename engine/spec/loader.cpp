#include "spec/loader.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include "policy/container_policy.h"
#include "spec/field_reader.h"
#include "model/ids.h"
#include "model/iso_time.h"
#include "spec/json_locate.h"
#include "model/limits.h"
#include "base/suggest.h"
#include "spec/callback_fields.h"
#include "spec/dag_keys.h"
#include "spec/task_fields.h"
#include "spec/loader_checks.h"
#include "spec/task_stream.h"
#include "spec/trust_checks.h"
#include "graph/dag_graph.h"
#include "model/cron.h"

namespace dagrun {
namespace {

const Scope kDagScope{"", -1, {}};

// Why a file past the size limit is refused, by the loader and by read_text_file.
std::string file_too_large(std::uint64_t bytes) {
  return "file is larger than " + std::to_string(limits::kMaxFileBytes >> 20) + " MiB (" +
         std::to_string(bytes) + " bytes)";
}

constexpr int kMaxUpstreamSuggestions = 100;
// Task ids compared in all for those suggestions: each costs an edit distance, so
// a hundred suggestions in a 100,000-task file would be ten million of them.
constexpr size_t kUpstreamSuggestionBudget = 1'000'000;

// Tasks are read as the parser completes each one (see task_stream.h); the DAG keys,
// default_args and the checks across tasks run once the whole file is parsed.
class DagReader {
 public:
  DagReader(std::string_view text, const std::string& file, const LoadOptions& options)
      : text_(text), options_(options), problems_(text, file) {
    dag_.file = file;
  }

  LoadResult read();

 private:
  std::optional<LoadResult> check_bytes() const;
  void read_task_element(int index, const Json& task);
  LoadResult finish(const StreamedDag& doc);
  void apply_task_defaults();
  DagMountContext mount_context() const;
  void check_tmp_dir(const ContainerSpec& c, const Scope& scope);
  void report_violations(ContainerPolicyCheck& check, const ContainerSpec& spec,
                         const std::string& base, const std::string& context);
  void read_dag_key(DagKey key, const std::string& name, const Json& v, const StreamedDag& doc);
  void read_schedule(const Json& v);
  // An integer key within the range its row in the key table gives.
  std::optional<int> read_key_int(DagKey key, const Json& v);
  void read_deadline(const Json& v);
  void check_references();
  void resolve_expand_xcoms();
  void check_cycles();

  std::string_view text_;
  const LoadOptions& options_;
  Problems problems_;
  Dag dag_;
  std::string dag_id_;
  const Json* default_args_ = nullptr;
  bool has_tasks_ = false;
  std::vector<TaskKeySet> task_keys_;  // per task: the keys it gives itself
  std::vector<char> id_valid_;         // per task: its task_id can be referred to
  std::vector<ContainerKeySet> container_keys_;  // per task: the keys its container object gives
  // Every task's upstream ids as written, until resolved: task i's are
  // [upstream_begin_[i], upstream_begin_[i + 1]).
  std::vector<std::string> upstream_ids_;
  std::vector<size_t> upstream_begin_{0};
  bool forward_edges_ = false;         // some task depends on a later one
  // Mapped tasks' expand {"xcom": ID}: the task's index and the id as written.
  std::vector<std::pair<int, std::string>> expand_xcoms_;
  int unknown_upstreams_ = 0;
  size_t suggestion_budget_ = kUpstreamSuggestionBudget;
};

LoadResult DagReader::read() {
  if (auto refused = check_bytes()) return *refused;
  StreamedDag doc = parse_dag_json(
      text_, [this](int index, const Json& task) { read_task_element(index, task); }, problems_);
  if (doc.error) {
    LoadResult result;
    result.file = dag_.file;
    SourcePosition pos = position_of_offset(text_, doc.error->offset);
    result.diagnostics.push_back(
        {dag_.file, pos.line, pos.column, "", "invalid JSON: " + doc.error->message});
    return result;
  }
  return finish(doc);
}

// What no parse should see: a file past the size limit, and a NUL byte, which
// nlohmann takes for the end of the input (so whatever follows it would be ignored).
std::optional<LoadResult> DagReader::check_bytes() const {
  LoadResult result;
  result.file = dag_.file;
  if (text_.size() > limits::kMaxFileBytes) {
    result.diagnostics.push_back({dag_.file, 0, 0, "", file_too_large(text_.size())});
    return result;
  }
  if (size_t nul = text_.find('\0'); nul != std::string_view::npos) {
    SourcePosition pos = position_of_offset(text_, nul);
    result.diagnostics.push_back(
        {dag_.file, pos.line, pos.column, "", "invalid JSON: NUL byte in the file"});
    return result;
  }
  return std::nullopt;
}

void DagReader::read_task_element(int index, const Json& t) {
  if (!t.is_object()) {
    problems_.at("/tasks/" + std::to_string(index), JsonTarget::value,
                 "tasks[" + std::to_string(index) + "]",
                 "a task must be an object, got " + describe(t));
    dag_.tasks.emplace_back();
    task_keys_.emplace_back();
    id_valid_.push_back(false);
    container_keys_.emplace_back();
    upstream_begin_.push_back(upstream_ids_.size());
    return;
  }
  TaskRead read = read_task(t, index, options_, problems_, upstream_ids_);
  if (!read.expand_xcom.empty()) expand_xcoms_.emplace_back(index, std::move(read.expand_xcom));
  dag_.tasks.push_back(std::move(read.spec));
  task_keys_.push_back(read.keys);
  id_valid_.push_back(read.id_valid);
  container_keys_.push_back(read.container_keys);
  upstream_begin_.push_back(upstream_ids_.size());
}

LoadResult DagReader::finish(const StreamedDag& doc) {
  const Json& root = doc.root;
  LoadResult result;
  result.file = dag_.file;
  if (!root.is_object()) {
    problems_.at("", JsonTarget::value, "dag",
                 "the top level must be an object, got " + std::string(json_type_name(root)));
    result.diagnostics = problems_.resolve();
    return result;
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& name = it.key();
    if (auto key = parse_dag_key(name)) {
      read_dag_key(*key, name, it.value(), doc);
    } else if (is_task_setting(name)) {
      problems_.at_key(kDagScope, name,
                       "unknown key '" + name + "'; settings for every task go in default_args");
    } else {
      problems_.at_key(kDagScope, name,
                       "unknown key '" + name + "'" + did_you_mean(closest_match(name, dag_key_names())));
    }
  }
  // A deadline and what it sets off come together.
  if (dag_.deadline && !dag_.callbacks.of(CallbackEvent::deadline) && !root.contains("on_deadline"))
    problems_.at_value(kDagScope, "deadline", "deadline has no on_deadline to set off");
  if (dag_.callbacks.of(CallbackEvent::deadline) && !root.contains("deadline"))
    problems_.at_key(kDagScope, "on_deadline", "on_deadline without a deadline: give deadline {\"after\": ...}");
  if (!root.contains("dag_id")) problems_.at("", JsonTarget::value, "dag", "missing required key 'dag_id'");
  if (!root.contains("tasks")) problems_.at("", JsonTarget::value, "dag", "missing required key 'tasks'");
  if (dag_.start_date && dag_.end_date && *dag_.end_date < *dag_.start_date)
    problems_.at_value(kDagScope, "end_date",
                       "end_date " + format_iso8601(*dag_.end_date) + " is before start_date " +
                           format_iso8601(*dag_.start_date));

  if (has_tasks_) {
    apply_task_defaults();
    inherit_dag_params(dag_);
    dag_.rebuild_index();
    check_templates(dag_, id_valid_, problems_);
    if (options_.pools) check_pool_slots(dag_, *options_.pools, id_valid_, problems_);
    if (options_.trust) check_dag_trust(dag_, text_, *options_.trust, problems_);
    check_references();
    resolve_expand_xcoms();
    check_cycles();
  } else if (default_args_) {
    read_default_args(*default_args_, options_, problems_);
  }

  result.dag_id = dag_id_;
  if (problems_.empty()) {
    result.dag = std::move(dag_);
  } else {
    result.diagnostics = problems_.resolve();
  }
  return result;
}

// default_args first; then each task's own keys checked for an effect on it (which,
// for a plugin, may depend on the isolation default_args gives), and each container
// task's container object completed and checked against the policy. Each object is
// checked as written, before merging, so a refused value is reported where it
// stands: once in default_args, not once per task that inherits it.
void DagReader::apply_task_defaults() {
  TaskDefaults defaults;
  if (default_args_) defaults = read_default_args(*default_args_, options_, problems_);
  const ContainerSpec* default_container = defaults.container.get();

  std::optional<ContainerPolicyCheck> check;
  static const ContainerPolicy kBuiltin;
  auto checker = [&]() -> ContainerPolicyCheck& {
    if (!check) check.emplace(options_.policy ? *options_.policy : kBuiltin, mount_context());
    return *check;
  };
  if (default_container) report_violations(checker(), *default_container, "/default_args/container", "default_args");

  // Tasks that give nothing of their own share one completed container.
  std::shared_ptr<const ContainerSpec> inherited;
  for (size_t i = 0; i < dag_.tasks.size(); ++i) {
    const int index = static_cast<int>(i);
    auto scope_of = [&](const TaskSpec& t) {
      return Scope{"/tasks", index, id_valid_[i] ? std::string_view(t.task_id) : std::string_view()};
    };
    // Without default_args only container tasks have anything to complete: the
    // others are not moved out and back (for 100,000 tasks that was most of the
    // time spent after parsing).
    if (!default_args_ && dag_.tasks[i].kind() != TaskKind::container) {
      check_keys_have_effect(dag_.tasks[i], task_keys_[i], {}, scope_of(dag_.tasks[i]), problems_);
      continue;
    }
    TaskRead read{std::move(dag_.tasks[i]), task_keys_[i], id_valid_[i] != 0, container_keys_[i], {}};
    if (default_args_) apply_defaults(defaults, read);
    TaskSpec& task = read.spec;
    const Scope scope = scope_of(task);
    check_keys_have_effect(task, read.keys, defaults.keys, scope, problems_);
    auto* container = std::get_if<ContainerTask>(&task.action);
    if (container && container->spec) {
      report_violations(checker(), *container->spec, scope.pointer("container"), scope.context());
      const ContainerKeySet own = read.container_keys;
      if (!(own | defaults.container_keys).test(static_cast<size_t>(ContainerKey::image)))
        problems_.at_value(scope, "container", "container: missing required key 'image'");
      if (own.none() && inherited) {
        container->spec = inherited;
      } else {
        container->spec = complete_container(*container->spec, own, default_container, defaults.container_keys);
        if (own.none()) inherited = container->spec;
        check_tmp_dir(*container->spec, scope);
      }
    }
    dag_.tasks[i] = std::move(task);
  }
}

// Docker refuses two mounts at one target; the run's data directory is one of
// them when mount_tmp_dir is on, wherever tmp_dir and mounts were written.
void DagReader::check_tmp_dir(const ContainerSpec& c, const Scope& scope) {
  if (!c.mount_tmp_dir) return;
  auto normal = [](const std::string& p) {
    std::filesystem::path n = std::filesystem::path(p).lexically_normal();
    return n.has_relative_path() && n.filename().empty() ? n.parent_path() : n;  // "/a/" is "/a"
  };
  const std::filesystem::path tmp = normal(c.tmp_dir);
  for (const ContainerMount& m : c.mounts) {
    if (normal(m.target) != tmp) continue;
    problems_.at_value(scope, "container",
                       "mount target '" + m.target + "' is tmp_dir, where mount_tmp_dir mounts the "
                       "run's data directory; set mount_tmp_dir to false or choose another target");
  }
}

DagMountContext DagReader::mount_context() const {
  return dag_mount_context(options_.home, dag_id_, dag_.params);
}

void DagReader::report_violations(ContainerPolicyCheck& check, const ContainerSpec& spec,
                                  const std::string& base, const std::string& context) {
  for (PolicyViolation& v : check.check(spec))
    problems_.at(base + v.field, JsonTarget::value, context, std::move(v.message));
}


void DagReader::read_dag_key(DagKey key, const std::string& name, const Json& v,
                             const StreamedDag& doc) {
  switch (key) {
    case DagKey::schema:
      // An editor's business (docs/dag-format.md): any string is fine.
      read_string(v, kDagScope, name, problems_);
      break;
    case DagKey::dag_id:
      if (auto id = read_id(v, kDagScope, name, problems_)) dag_.dag_id = dag_id_ = std::move(*id);
      break;
    case DagKey::description:
      if (auto s = read_string(v, kDagScope, name, problems_)) dag_.description = std::move(*s);
      break;
    case DagKey::schedule: read_schedule(v); break;
    case DagKey::start_date:
      if (!v.is_null()) dag_.start_date = read_date(v, kDagScope, name, problems_);
      break;
    case DagKey::end_date:
      if (!v.is_null()) dag_.end_date = read_date(v, kDagScope, name, problems_);
      break;
    case DagKey::catchup:
      if (auto b = read_bool(v, kDagScope, name, problems_)) dag_.catchup = *b;
      break;
    case DagKey::max_active_tasks:
      if (auto n = read_key_int(key, v)) dag_.max_active_tasks = *n;
      break;
    case DagKey::max_active_runs:
      if (auto n = read_key_int(key, v)) dag_.max_active_runs = *n;
      break;
    case DagKey::tags:
      if (auto tags = read_string_list(v, kDagScope, name, problems_)) dag_.tags = std::move(*tags);
      break;
    case DagKey::params: dag_.params = nlohmann::json(v); break;
    case DagKey::timezone:
      if (auto zone = read_timezone(v, kDagScope, name, problems_)) dag_.timezone = std::move(*zone);
      break;
    case DagKey::default_args:
      if (v.is_object()) default_args_ = &v;
      else problems_.at_value(kDagScope, name, "default_args must be an object, got " + describe(v));
      break;
    case DagKey::deadline: read_deadline(v); break;
    case DagKey::on_failure:
    case DagKey::on_deadline:
    case DagKey::on_success: {
      const CallbackEvent event = key == DagKey::on_failure   ? CallbackEvent::failure
                                  : key == DagKey::on_success ? CallbackEvent::success
                                                              : CallbackEvent::deadline;
      bool ok = true;
      auto list = read_callback_list(v, kDagScope, name, options_, problems_, ok);
      if (ok) dag_.callbacks.on[static_cast<size_t>(event)] = std::move(list);
      break;
    }
    case DagKey::on_retry:
      problems_.at_key(kDagScope, name,
                       "on_retry is a task's: a run is not retried; give it in default_args for every task");
      break;
    case DagKey::tasks:
      if (doc.tasks_streamed && doc.task_count > 0) has_tasks_ = true;
      else if (doc.tasks_streamed) problems_.at_value(kDagScope, name, "tasks must not be empty");
      else problems_.at_value(kDagScope, name, "tasks must be a list of tasks, got " + describe(v));
      break;
  }
}

std::optional<int> DagReader::read_key_int(DagKey key, const Json& v) {
  const KeyDoc& doc = dag_key_doc(key);
  return read_int(v, static_cast<int>(doc.min), static_cast<int>(doc.max), kDagScope, dag_key_name(key), problems_);
}

// {"after": DURATION, "from": "data_interval_end" | "logical_date" | "queued_at"}.
void DagReader::read_deadline(const Json& v) {
  if (v.is_null()) return;
  if (!v.is_object()) {
    problems_.at_value(kDagScope, "deadline", "deadline must be an object with after (and from), got " + describe(v));
    return;
  }
  DeadlineSpec spec;
  bool ok = true;
  const Scope here{"/deadline", -1, {}};
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& name = it.key();
    if (name == "after") {
      auto d = read_duration(it.value(), here, name, problems_);
      if (d && *d <= Duration::zero()) {
        problems_.at_value(here, name, "deadline.after must be more than 0");
        ok = false;
      } else if (d) {
        spec.after = *d;
      } else {
        ok = false;
      }
    } else if (name == "from") {
      auto text = read_string(it.value(), here, name, problems_);
      auto from = text ? parse_deadline_from(*text) : std::nullopt;
      if (from) {
        spec.from = *from;
      } else {
        if (text)
          problems_.at_value(here, name, "unknown deadline.from '" + *text +
                                             "'; expected data_interval_end, logical_date or queued_at");
        ok = false;
      }
    } else {
      problems_.at_key(here, name, "unknown key '" + name + "' in deadline; it has after and from");
      ok = false;
    }
  }
  if (!v.contains("after")) {
    problems_.at_value(kDagScope, "deadline", "deadline needs 'after', a duration");
    ok = false;
  }
  if (ok) dag_.deadline = spec;
}

void DagReader::read_schedule(const Json& v) {
  if (v.is_null()) return;  // triggered by hand only
  auto text = read_string(v, kDagScope, "schedule", problems_);
  if (!text) return;
  std::string why;
  auto cron = CronSchedule::parse(*text, &why);
  if (!cron) {
    problems_.at_value(kDagScope, "schedule", "invalid schedule '" + *text + "': " + why);
    return;
  }
  dag_.schedule = std::move(*cron);
}

// Duplicate ids, then each upstream list: unknown ids, self references and repeats
// are reported and dropped, and the rest become indices into the tasks, so the
// cycle check, and whatever uses the DAG after, never looks an id up again.
void DagReader::check_references() {
  const size_t n = dag_.tasks.size();
  for (size_t i = 0; i < n; ++i) {
    if (!id_valid_[i]) continue;
    const std::string& id = dag_.tasks[i].task_id;
    int first = dag_.index_of(id);
    if (first == static_cast<int>(i)) continue;
    if (problems_.full()) {  // counted, never shown: no need to find the first one
      problems_.at_value(Scope{"/tasks", static_cast<int>(i), id}, "task_id", {});
      continue;
    }
    int line = problems_.line_of("/tasks/" + std::to_string(first) + "/task_id", JsonTarget::value);
    problems_.at_value(Scope{"/tasks", static_cast<int>(i), id}, "task_id",
                       "duplicate task_id '" + id + "' (first defined on line " +
                           std::to_string(line) + ")");
  }

  std::vector<int> listed_by(n, -1);  // listed_by[j] == i: task i already lists j
  for (size_t i = 0; i < n; ++i) {
    TaskSpec& task = dag_.tasks[i];
    const int self = static_cast<int>(i);
    Scope scope{"/tasks", self, id_valid_[i] ? std::string_view(task.task_id) : std::string_view()};
    const size_t begin = upstream_begin_[i], count = upstream_begin_[i + 1] - begin;
    task.upstream.reserve(count);
    for (size_t k = 0; k < count; ++k) {
      const std::string& up = upstream_ids_[begin + k];
      int j = dag_.index_of(up);
      std::string problem;
      if (j < 0 || !id_valid_[static_cast<size_t>(j)]) {
        // Each suggestion scans every task id; past a hundred unknown ids (a generated
        // file gone wrong) the messages go without one so the load stays linear.
        std::optional<std::string> suggestion;
        if (++unknown_upstreams_ <= kMaxUpstreamSuggestions && suggestion_budget_ >= n &&
            !problems_.full()) {
          suggestion_budget_ -= n;
          Suggester s(up);
          for (size_t c = 0; c < n; ++c)
            if (id_valid_[c] && c != i) s.consider(dag_.tasks[c].task_id);
          suggestion = s.best();
        }
        problem = "unknown upstream " + quote_id(up) + did_you_mean(suggestion);
      } else if (j == self) {
        problem = "lists itself as upstream";
      } else if (listed_by[static_cast<size_t>(j)] == self) {
        problem = "upstream " + quote_id(up) + " is listed twice";
      }
      if (!problem.empty()) {
        problems_.at(scope.pointer("upstream") + '/' + std::to_string(k), JsonTarget::value,
                     scope.context(), std::move(problem));
        continue;
      }
      listed_by[static_cast<size_t>(j)] = self;
      if (j > self) forward_edges_ = true;
      task.upstream.push_back(static_cast<std::uint32_t>(j));
    }
  }
  upstream_ids_ = std::vector<std::string>();  // resolved: a large DAG's ids need not outlive the load
}

// The list of a mapped task's expand {"xcom": ID} is pushed by one of its
// upstream tasks: so it exists when the task is ready, and the graph shows
// where it comes from.
void DagReader::resolve_expand_xcoms() {
  for (auto& [i, id] : expand_xcoms_) {
    TaskSpec& task = dag_.tasks[static_cast<size_t>(i)];
    if (!task.expand) continue;
    const int j = dag_.index_of(id);
    const bool upstream = j >= 0 && std::find(task.upstream.begin(), task.upstream.end(),
                                              static_cast<std::uint32_t>(j)) != task.upstream.end();
    if (!upstream) {
      const Scope scope{"/tasks", i, id_valid_[static_cast<size_t>(i)] ? std::string_view(task.task_id) : std::string_view()};
      problems_.at(scope.pointer("expand") + "/xcom", JsonTarget::value, scope.context(),
                   "expand.xcom " + quote_id(id) +
                       (j < 0 ? " is not a task of this DAG" : " is not one of the task's upstream tasks: list it in upstream"));
      continue;
    }
    auto source = std::make_shared<MapSource>(*task.expand);
    source->xcom_task = static_cast<std::uint32_t>(j);
    task.expand = std::move(source);
  }
  expand_xcoms_ = {};
}

// A file in which every task lists only earlier tasks cannot have a cycle, so the
// graph is built only when some task depends on a later one.
void DagReader::check_cycles() {
  if (!forward_edges_) return;
  DagGraph graph(dag_);
  auto cycle = graph.find_cycle();
  if (!cycle) return;
  int first = cycle->front();
  const std::string& id = dag_.tasks[static_cast<size_t>(first)].task_id;
  problems_.at("/tasks/" + std::to_string(first), JsonTarget::value,
               id.empty() ? "tasks[" + std::to_string(first) + "]" : "task '" + id + "'",
               "dependency cycle: " + graph.path_text(*cycle));
}

}  // namespace

LoadResult load_dag_text(std::string_view text, const std::string& file_label,
                         const LoadOptions& options) {
  return load_dag_source(std::make_shared<const DagSource>(std::string(text)), file_label, options);
}

LoadResult load_dag_source(std::shared_ptr<const DagSource> source, const std::string& file_label,
                           const LoadOptions& options) {
  LoadResult result = DagReader(source->text(), file_label, options).read();
  if (result.dag) result.dag->source = std::move(source);
  return result;
}


std::optional<std::string> read_text_file(const std::filesystem::path& path, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (error) *error = "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = std::generic_category().message(errno);
    return std::nullopt;
  }
  std::string text;
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  // Checked on the open file, so a file that grows after a stat is still bounded.
  if (size > 0 && static_cast<std::uint64_t>(size) > limits::kMaxFileBytes) {
    if (error) *error = file_too_large(static_cast<std::uint64_t>(size));
    return std::nullopt;
  }
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(text.data(), size);
  }
  if (in.bad()) {
    if (error) *error = "read failed";
    return std::nullopt;
  }
  return text;
}

LoadResult load_dag_file(const std::filesystem::path& path, const LoadOptions& options) {
  std::string why;
  auto text = read_text_file(path, &why);
  if (!text) {
    LoadResult result;
    result.file = path.string();
    result.diagnostics.push_back({result.file, 0, 0, "", "cannot read file: " + why});
    return result;
  }
  return load_dag_source(std::make_shared<const DagSource>(std::move(*text)), path.string(), options);
}

}  // namespace dagrun
