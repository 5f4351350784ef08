#include "app/task_test.h"

#include "app/local_xcoms.h"
#include "model/ids.h"
#include "run/task_map.h"
#include "run/task_render.h"
#include "run/try_env.h"
#include "spec/template.h"

namespace dagrun::app {
namespace {

// The task, or the mapped task's instance, the id names, with its item.
struct Chosen {
  TaskSpec spec;
  std::optional<int> index;
  nlohmann::json item;
};

Chosen choose(const TaskTest& test, LocalXComs& sink) {
  const Dag& dag = *test.dag;
  const auto instance = parse_mapped_task_id(test.task_id);
  const int i = dag.index_of(instance ? instance->task_id : std::string_view(test.task_id));
  if (i < 0) throw TaskTestError("DAG " + quote_id(dag.dag_id) + " has no task " + quote_id(test.task_id));
  const TaskSpec& task = dag.tasks[static_cast<size_t>(i)];
  if (!task.expand) {
    if (instance) throw TaskTestError("task " + quote_id(task.task_id) + " is not mapped: name it without [INDEX]");
    return {task, std::nullopt, nullptr};
  }
  if (!instance)
    throw TaskTestError("task " + quote_id(task.task_id) + " is mapped: test one of its instances, " +
                        task.task_id + "[0], " + task.task_id + "[1], ...");
  MapItems list = map_items(dag, task, [&](const std::string& t, const std::string& k) { return sink.xcom_pull(t, k); });
  if (!list.error.empty()) throw TaskTestError("cannot expand " + quote_id(task.task_id) + ": " + list.error);
  if (static_cast<size_t>(instance->index) >= list.items.size())
    throw TaskTestError(quote_id(task.task_id) + " is mapped over " + std::to_string(list.items.size()) +
                        " items: there is no instance " + std::to_string(instance->index));
  return {instance_spec(task, instance->index), instance->index, list.items[static_cast<size_t>(instance->index)]};
}

}  // namespace

std::string test_run_id(TimePoint logical_date) { return make_run_id("test", logical_date); }

std::pair<std::string, std::vector<XComRecord>> latest_run_xcoms(const HistoryReader& history,
                                                                  const std::string& dag_id) {
  RunFilter filter;
  filter.dag_id = dag_id;
  filter.limit = 1;
  std::vector<RunRecord> runs = history.list_runs(filter);
  if (runs.empty()) return {};
  return {runs.front().run_id, history.list_xcoms(runs.front().run_id)};
}

TaskTestResult run_task_test(const TaskTest& test, const ExecutorSet& executors, const CancelToken& cancel) {
  // The try's log lines go to its log file, which the CLI shows as it grows.
  LocalXComs sink(*test.dag, test.task_id);
  for (const XComRecord& x : test.xcoms) sink.give(x.task_id, x.key, x.value_json);
  Chosen chosen = choose(test, sink);
  TaskSpec& spec = chosen.spec;
  if (!test.params.empty()) {
    nlohmann::json merged = spec.params->is_object() ? *spec.params : nlohmann::json::object();
    for (const auto& [key, value] : test.params.items()) merged[key] = value;
    spec.params = std::move(merged);
  }
  const std::string run_id = test_run_id(test.logical_date);
  const nlohmann::json conf = nlohmann::json::parse(test.conf_json);
  TemplateContext ctx = make_template_context(test.dag->dag_id, spec.task_id, run_id, 1, test.logical_date,
                                              test.interval_start, test.interval_end);
  ctx.params = &*spec.params;
  ctx.conf = &conf;
  if (chosen.index) add_map_values(ctx, *chosen.index, chosen.item);
  TaskSpec rendered;
  try {
    rendered = render_task(spec, ctx);
  } catch (const std::exception& e) {
    throw TaskTestError(e.what());
  }

  Executor* executor = executors.find(rendered.kind());
  if (!executor) throw TaskTestError("no executor for " + std::string(to_string(rendered.kind())) + " tasks");
  std::filesystem::create_directories(test.data_dir);
  std::filesystem::create_directories(test.log_path.parent_path());
  TryRequest request;
  request.dag = test.dag;
  request.task = &rendered;
  request.run_id = run_id;
  request.try_number = 1;
  request.conf_json = test.conf_json;
  request.data_dir = test.data_dir;
  request.log_path = test.log_path;
  request.home = test.home;
  request.env = try_context_env(test.home, test.dag->dag_id, run_id, rendered.task_id, 1);
  if (chosen.index) {
    for (auto& kv : map_env(*chosen.index, chosen.item)) request.env.push_back(std::move(kv));
    request.map_item_json = chosen.item.dump();
  }
  request.env.insert(request.env.end(), rendered.env.begin(), rendered.env.end());
  TaskTestResult result;
  result.outcome = executor->run(request, sink, cancel);
  result.pushed = sink.pushed();
  return result;
}

}  // namespace dagrun::app
