#include "graph/dag_graph.h"

#include <algorithm>
#include <functional>
#include <sstream>
#include <stdexcept>

// GCC 12 reports a false -Wmaybe-uninitialized inside Boost's edge iterator (a
// boost::optional it copies before use); the warning points into these headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/topological_sort.hpp>
#pragma GCC diagnostic pop

namespace dagrun {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// Remembers each vertex's DFS parent and the first back edge seen. A back edge (u, v)
// closes a cycle v -> ... -> u -> v, and the tree path from v down to u is still there
// in the parent map after the search ends: parents are set once, on discovery.
struct CycleRecorder : boost::default_dfs_visitor {
  std::vector<int>* parent;
  std::optional<std::pair<int, int>>* back;

  void tree_edge(Edge e, const Graph& g) const {
    (*parent)[boost::target(e, g)] = static_cast<int>(boost::source(e, g));
  }
  void back_edge(Edge e, const Graph& g) const {
    if (!*back)
      *back = {static_cast<int>(boost::source(e, g)), static_cast<int>(boost::target(e, g))};
  }
};

std::string_view shape_of(TaskKind kind) {
  switch (kind) {
    case TaskKind::command: return "box";
    case TaskKind::plugin: return "component";
    case TaskKind::container: return "box3d";
  }
  return "box";
}

std::string dot_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

struct DagGraph::Impl {
  Graph graph;
  std::vector<std::vector<int>> up, down;
  std::vector<std::string> ids;
  std::vector<TaskKind> kinds;
};

DagGraph::DagGraph(const Dag& dag) : impl_(std::make_unique<Impl>()) {
  const size_t n = dag.tasks.size();
  Impl& m = *impl_;
  m.graph = Graph(n);
  m.up.resize(n);
  m.down.resize(n);
  m.ids.reserve(n);
  m.kinds.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const TaskSpec& task = dag.tasks[i];
    m.ids.push_back(task.task_id);
    m.kinds.push_back(task.kind());
    m.up[i].reserve(task.upstream.size());
    for (std::uint32_t index : task.upstream) {
      // The loader resolves every index; a Dag built by hand may be wrong.
      if (index >= n)
        throw std::invalid_argument("task '" + task.task_id + "': upstream index " + std::to_string(index) +
                                    " is past the last task");
      const int u = static_cast<int>(index);
      m.up[i].push_back(u);
      m.down[static_cast<size_t>(u)].push_back(static_cast<int>(i));
      boost::add_edge(static_cast<Vertex>(u), static_cast<Vertex>(i), m.graph);
    }
  }
}

DagGraph::~DagGraph() = default;
DagGraph::DagGraph(DagGraph&&) noexcept = default;
DagGraph& DagGraph::operator=(DagGraph&&) noexcept = default;

int DagGraph::size() const { return static_cast<int>(impl_->ids.size()); }

const std::vector<int>& DagGraph::upstream(int task) const {
  return impl_->up.at(static_cast<size_t>(task));
}

const std::vector<int>& DagGraph::downstream(int task) const {
  return impl_->down.at(static_cast<size_t>(task));
}

std::optional<std::vector<int>> DagGraph::find_cycle() const {
  std::vector<int> parent(impl_->ids.size(), -1);
  std::optional<std::pair<int, int>> back;
  CycleRecorder recorder;
  recorder.parent = &parent;
  recorder.back = &back;
  boost::depth_first_search(impl_->graph, boost::visitor(recorder));
  if (!back) return std::nullopt;

  auto [u, v] = *back;
  std::vector<int> cycle;
  for (int t = u; t != v; t = parent[static_cast<size_t>(t)]) cycle.push_back(t);
  cycle.push_back(v);
  std::reverse(cycle.begin(), cycle.end());  // v ... u
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  cycle.push_back(cycle.front());
  return cycle;
}

std::vector<int> DagGraph::topological_order() const {
  // boost::topological_sort emits vertices as the depth-first search finishes
  // them. On the graph with every edge turned around (downstream -> upstream),
  // visiting tasks in file order, a task finishes right after the last of its
  // upstream tasks: the finishing order is itself a topological order, and a
  // file already written in dependency order comes back unchanged.
  const size_t n = impl_->ids.size();
  Graph upward(n);
  for (size_t i = 0; i < n; ++i)
    for (int u : impl_->up[i]) boost::add_edge(static_cast<Vertex>(i), static_cast<Vertex>(u), upward);
  std::vector<int> order;
  order.reserve(n);
  try {
    boost::topological_sort(upward, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    auto cycle = find_cycle();
    throw std::logic_error("dependency cycle: " + (cycle ? path_text(*cycle) : std::string("?")));
  }
  return order;
}

std::string DagGraph::path_text(const std::vector<int>& path) const {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += " -> ";
    out += impl_->ids.at(static_cast<size_t>(path[i]));
  }
  return out;
}

std::string DagGraph::to_dot() const {
  std::ostringstream os;
  auto vertex_writer = [this](std::ostream& out, Vertex v) {
    TaskKind kind = impl_->kinds[v];
    out << "[label=" << dot_quoted(impl_->ids[v]) << ", shape=" << shape_of(kind)
        << ", class=" << dot_quoted(to_string(kind)) << "]";
  };
  auto graph_writer = [](std::ostream& out) { out << "rankdir=LR;\n"; };
  boost::write_graphviz(os, impl_->graph, vertex_writer, boost::default_writer(), graph_writer);
  return os.str();
}

}  // namespace dagrun
