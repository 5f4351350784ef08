// The task graph of a DAG: edges run from each upstream task to its downstream task.
// Built on Boost.Graph, which stays out of this header.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"

namespace dagrun {

class DagGraph {
 public:
  // Every upstream id must name a task of the DAG (std::invalid_argument otherwise);
  // tasks keep their indices from dag.tasks.
  explicit DagGraph(const Dag& dag);
  ~DagGraph();
  DagGraph(DagGraph&&) noexcept;
  DagGraph& operator=(DagGraph&&) noexcept;

  int size() const;

  // A cycle as task indices along the edges, first == last ("a b c a": b depends on a,
  // c on b, a on c), rotated to start at its task earliest in the file; nullopt when
  // the graph is acyclic. A task depending on itself is the cycle {t, t}.
  std::optional<std::vector<int>> find_cycle() const;

  // Every task after all its upstream tasks (boost::topological_sort): tasks in
  // file order, each preceded by those of its upstream tasks not yet listed, so a
  // file already written in dependency order comes back unchanged. Throws
  // std::logic_error on a cycle.
  std::vector<int> topological_order() const;

  // Graphviz DOT: one node per task labelled with its task id, shaped by kind
  // (command: box, plugin: component, container: box3d).
  std::string to_dot() const;

  // "a -> b -> c -> a" for a path of task indices.
  std::string path_text(const std::vector<int>& path) const;

  const std::vector<int>& upstream(int task) const;
  const std::vector<int>& downstream(int task) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dagrun
