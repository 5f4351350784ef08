#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "graph/dag_graph.h"
#include "task_support.h"

using namespace dagrun;

namespace {

// Tasks given as {id, upstream ids}, all command tasks unless the id starts with 'p'.
Dag make_dag(std::vector<std::pair<std::string, std::vector<std::string>>> tasks) {
  std::vector<testing::TaskDraft> drafts;
  for (auto& [id, up] : tasks) {
    TaskSpec t;
    t.task_id = id;
    if (id[0] == 'p') t.action = PluginTask{};
    drafts.push_back({std::move(t), up});
  }
  return testing::dag_of(std::move(drafts), "g");
}

}  // namespace

TEST_CASE("graph keeps upstream and downstream lists by task index") {
  DagGraph g(make_dag({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}}));
  CHECK(g.size() == 4);
  CHECK(g.upstream(0).empty());
  CHECK(g.downstream(0) == std::vector<int>{1, 2});
  CHECK(g.upstream(3) == std::vector<int>{1, 2});
  CHECK(g.downstream(3).empty());
  CHECK_FALSE(g.find_cycle());
}

TEST_CASE("graph refuses an upstream id that names no task") {
  CHECK_THROWS_AS(DagGraph(make_dag({{"a", {"zz"}}})), std::invalid_argument);
}

TEST_CASE("graph cycle path starts at the cycle's earliest task") {
  // b depends on a, c on b, a on c; a file-order DFS from d enters at c first.
  DagGraph g(make_dag({{"d", {"c"}}, {"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}}));
  auto cycle = g.find_cycle();
  REQUIRE(cycle);
  CHECK(*cycle == std::vector<int>{1, 2, 3, 1});
  CHECK(g.path_text(*cycle) == "a -> b -> c -> a");
}

TEST_CASE("graph finds a self loop and a cycle away from the first tasks") {
  DagGraph self(make_dag({{"a", {}}, {"b", {"b"}}}));
  CHECK(self.find_cycle() == std::optional<std::vector<int>>({1, 1}));

  DagGraph late(make_dag({{"a", {}}, {"b", {"a"}}, {"x", {"b", "y"}}, {"y", {"x"}}}));
  auto cycle = late.find_cycle();
  REQUIRE(cycle);
  CHECK(late.path_text(*cycle) == "x -> y -> x");
}

TEST_CASE("topological order keeps the file order where the dependencies allow") {
  // Already in dependency order: unchanged.
  DagGraph sorted(make_dag({{"a", {}}, {"b", {"a"}}, {"c", {}}, {"d", {"b", "c"}}}));
  CHECK(sorted.topological_order() == std::vector<int>{0, 1, 2, 3});

  // x needs z first; y keeps its place after x.
  DagGraph g(make_dag({{"x", {"z"}}, {"y", {}}, {"z", {}}}));
  CHECK(g.topological_order() == std::vector<int>{2, 0, 1});

  // Reversed file: every task after its upstream tasks.
  DagGraph rev(make_dag({{"report", {"merge"}}, {"merge", {"left", "right"}}, {"left", {}}, {"right", {}}}));
  CHECK(rev.topological_order() == std::vector<int>{2, 3, 1, 0});
}

TEST_CASE("topological order throws on a cycle, naming it") {
  DagGraph g(make_dag({{"a", {"b"}}, {"b", {"a"}}, {"c", {}}}));
  try {
    g.topological_order();
    FAIL("expected a logic_error");
  } catch (const std::logic_error& e) {
    CHECK(std::string(e.what()) == "dependency cycle: a -> b -> a");
  }
}

TEST_CASE("graph DOT names tasks by id and shapes them by kind") {
  DagGraph g(make_dag({{"extract", {}}, {"pclean", {"extract"}}, {"say \"hi\"", {"pclean"}}}));
  std::string dot = g.to_dot();
  CHECK(dot.starts_with("digraph G {\n"));
  CHECK(dot.find("rankdir=LR;") != std::string::npos);
  CHECK(dot.find("0[label=\"extract\", shape=box, class=\"command\"];") != std::string::npos);
  CHECK(dot.find("1[label=\"pclean\", shape=component, class=\"plugin\"];") != std::string::npos);
  CHECK(dot.find("2[label=\"say \\\"hi\\\"\", shape=box, class=\"command\"];") != std::string::npos);
  CHECK(dot.find("0->1 ;") != std::string::npos);
  CHECK(dot.find("1->2 ;") != std::string::npos);
  CHECK(dot.find("0->2") == std::string::npos);
}

TEST_CASE("graph scales to a long chain without recursion") {
  // A 200,000-task chain written backwards: a recursive DFS would exhaust the stack.
  const int n = 200'000;
  Dag dag;
  for (int i = 0; i < n; ++i) {
    TaskSpec t;
    t.task_id = "t" + std::to_string(i);
    if (i + 1 < n) t.upstream = {static_cast<std::uint32_t>(i + 1)};
    dag.tasks.push_back(std::move(t));
  }
  dag.rebuild_index();
  DagGraph g(dag);
  CHECK_FALSE(g.find_cycle());
  auto order = g.topological_order();
  REQUIRE(order.size() == static_cast<size_t>(n));
  CHECK(order.front() == n - 1);
  CHECK(order.back() == 0);
}
