// What every store interface throws.
#pragma once

#include <stdexcept>

namespace dagrun {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// create_run found the run id taken.
class RunExistsError : public StoreError {
 public:
  using StoreError::StoreError;
};

}  // namespace dagrun
