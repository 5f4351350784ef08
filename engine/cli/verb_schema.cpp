// dagrun schema: the JSON Schema of DAG files, for an editor to check them as
// they are typed (docs/dag-format.md, "Editors").
#include <iostream>

#include "cli/verbs.h"
#include "spec/dag_schema.h"

namespace dagrun::cli {

int verb_schema(Context&) {
  std::cout << dag_schema().dump(2) << "\n";
  return kExitOk;
}

}  // namespace dagrun::cli
