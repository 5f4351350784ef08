#include "store/dag_version.h"

#include "model/dag_source.h"

namespace dagrun {

std::optional<DagVersionRecord> dag_version_of(const Dag& dag, TimePoint now) {
  if (!dag.source) return std::nullopt;
  return DagVersionRecord{dag.dag_id, dag.source->version(), dag.source->text(), dag.file, now};
}

}  // namespace dagrun
