#include "model/dag_source.h"

#include "model/ids.h"

namespace dagrun {

const std::string& DagSource::version() const {
  std::call_once(hashed_, [this] { version_ = sha256_hex(text_); });
  return version_;
}

}  // namespace dagrun
