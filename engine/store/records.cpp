#include "store/records.h"

#include <type_traits>

namespace dagrun {

std::string describe_change(const StoreChange& change) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, RunUpdate>)
          return "run '" + c.run_id + "'";
        else if constexpr (std::is_same_v<T, TaskInstanceRecord>)
          return "task '" + c.task_id + "' of run '" + c.run_id + "'";
        else if constexpr (std::is_same_v<T, TryRecord>)
          return "try " + std::to_string(c.try_number) + " of task '" + c.task_id + "' of run '" + c.run_id + "'";
        else if constexpr (std::is_same_v<T, CallbackRecord>)
          return "the " + c.event + " callback " + std::to_string(c.action) +
                 (c.task_id.empty() ? "" : " of task '" + c.task_id + "' try " + std::to_string(c.try_number)) +
                 " of run '" + c.run_id + "'";
        else
          return "xcom '" + c.key + "' of task '" + c.task_id + "' of run '" + c.run_id + "'";
      },
      change);
}

}  // namespace dagrun
